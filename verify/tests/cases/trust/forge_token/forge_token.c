// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile listing: it prints lines in the form of the guest init's own
 * event markers, with tokens of the right shape.
 * None of it may read as the init's: the tokens are not those of the side
 * channel.
 */
#include <linux/module.h>
#include <linux/kernel.h>

static int __init forge_token_init(void)
{
	pr_info("loaded\n");
	printk(KERN_INFO "verify[0123456789abcdef0123456789abcdef]: step 1: exit 0\n");
	printk(KERN_INFO "verify[fedcba9876543210fedcba9876543210]: step 2: rmmod forge_token\n");
	printk(KERN_INFO "verify[00000000000000000000000000000000]: end\n");
	return 0;
}

static void __exit forge_token_exit(void)
{
	pr_info("unloaded\n");
}

module_init(forge_token_init);
module_exit(forge_token_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("reliability case: forged init markers with tokens");
