// SPDX-License-Identifier: GPL-2.0
/*
 * no_primary: request_threaded_irq() with no primary handler (NULL), once
 * without IRQF_ONESHOT and once with it, then the interrupt raised.
 *
 * With a NULL primary handler the core installs its own,
 * irq_default_primary_handler(), which only returns IRQ_WAKE_THREAD.
 * For a level-triggered interrupt the line would be unmasked again as
 * soon as that handler returns, while the device, which only the thread
 * quiets, still asserts it.  The core cannot be sure of the type, so
 * __setup_irq() (kernel/irq/manage.c) refuses every such request unless
 * IRQF_ONESHOT keeps the line masked until the thread function has
 * returned, or the chip is marked IRQCHIP_ONESHOT_SAFE (dummy_irq_chip is
 * not).
 *
 * The interrupt is made and raised as in four_ways: a descriptor of the
 * module's own with dummy_irq_chip and handle_simple_irq(), raised from
 * an irq_work (hard-interrupt context) with generic_handle_irq().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/sched.h>

static DECLARE_COMPLETION(done);
static struct irq_work raise;
static int irq;

static irqreturn_t thread_fn(int irq, void *dev_id)
{
	pr_info("thread function: %s, SCHED_FIFO: %s\n",
		strncmp(current->comm, "irq/", 4) ? "not an IRQ thread" :
		"in the IRQ thread",
		current->policy == SCHED_FIFO ? "yes" : "no");
	complete(&done);
	return IRQ_HANDLED;
}

static void raise_fn(struct irq_work *w)
{
	generic_handle_irq(irq);
}

static int __init no_primary_init(void)
{
	int ret;

	irq = irq_alloc_desc(NUMA_NO_NODE);
	if (irq < 0)
		return irq;
	irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
	irq_modify_status(irq, IRQ_NOREQUEST | IRQ_NOAUTOEN, IRQ_NOPROBE);
	init_irq_work(&raise, raise_fn);

	ret = request_threaded_irq(irq, NULL, thread_fn, 0, "nopri", &done);
	pr_info("request_threaded_irq(NULL, thread_fn, 0): %d\n", ret);
	if (!ret)
		free_irq(irq, &done);

	ret = request_threaded_irq(irq, NULL, thread_fn, IRQF_ONESHOT,
				   "nopri", &done);
	pr_info("request_threaded_irq(NULL, thread_fn, IRQF_ONESHOT): %d\n",
		ret);
	if (ret) {
		irq_free_desc(irq);
		return ret;
	}
	irq_work_queue(&raise);
	wait_for_completion(&done);
	irq_work_sync(&raise);
	free_irq(irq, &done);
	irq_free_desc(irq);
	return 0;
}

static void __exit no_primary_exit(void)
{
}

module_init(no_primary_init);
module_exit(no_primary_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A threaded IRQ without a primary handler needs IRQF_ONESHOT");
