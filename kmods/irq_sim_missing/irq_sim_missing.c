// SPDX-License-Identifier: GPL-2.0
/*
 * irq_sim_missing: the kernel's interrupt simulator, the natural way to
 * raise an interrupt from software in a test module.
 *
 * irq_domain_create_sim() makes an irq_domain of num_irqs interrupts;
 * irq_set_irqchip_state(irq, IRQCHIP_STATE_PENDING, true) raises one, and
 * irq_domain_remove_sim() undoes it (kernel/irq/irq_sim.c, the same calls
 * on all four kernels of the matrix).  <linux/irq_sim.h> declares them
 * everywhere, so the module compiles, but kernel/irq/irq_sim.c is built
 * only with CONFIG_IRQ_SIM, a hidden option that only drivers such as
 * gpio-mockup select, and the Debian cloud kernels leave it unset: there is
 * nothing to link against.  four_ways does the simulator's work by hand.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/irq_sim.h>
#include <linux/irqdomain.h>
#include <linux/module.h>

static struct irq_domain *domain;

static int __init irq_sim_missing_init(void)
{
	domain = irq_domain_create_sim(NULL, 1);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	pr_info("interrupt simulator made\n");
	return 0;
}

static void __exit irq_sim_missing_exit(void)
{
	irq_domain_remove_sim(domain);
}

module_init(irq_sim_missing_init);
module_exit(irq_sim_missing_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("irq_domain_create_sim() from a module on a kernel without CONFIG_IRQ_SIM");
