// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile listing: it writes the guest init's "done" value (42) to
 * QEMU's isa-debug-exit port, so QEMU exits as if the init had finished.
 * Only the side channel says the init finished; this run did not.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/io.h>

static int __init forge_exit_init(void)
{
	pr_info("powering the machine off through isa-debug-exit\n");
	outb(42, 0xf4);
	return 0;
}

static void __exit forge_exit_exit(void)
{
}

module_init(forge_exit_init);
module_exit(forge_exit_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("reliability case: a forged guest exit status");
