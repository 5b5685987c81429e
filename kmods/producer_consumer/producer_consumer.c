// SPDX-License-Identifier: GPL-2.0
/*
 * producer_consumer: two kthreads hand items over through wait queues
 * with wait_event_interruptible() and wake_up() (article 001).
 *
 * Settles SEEDS claim 1.2 for the normal case: wait_event_interruptible()
 * returns 0 once its condition is true.  The consumer's condition also
 * contains kthread_should_stop(): kthread_stop() wakes the thread with
 * wake_up_process(), and only a condition that looks at the stop flag
 * lets the wait end then (wait_no_stop_check.c shows the other case).
 *
 * One slot, two queues: the producer fills the slot and wakes the
 * consumer, then waits for the slot to be empty again; the consumer
 * empties it and wakes the producer.  Each side prints before it wakes
 * the other, so the lines alternate the same way on every run and every
 * number of CPUs.  Init waits until all items are consumed; module exit
 * stops both threads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/wait.h>

#define ITEMS 3

static DECLARE_WAIT_QUEUE_HEAD(filled);
static DECLARE_WAIT_QUEUE_HEAD(emptied);
static DECLARE_COMPLETION(all_consumed);
static int slot;	/* 0: empty, otherwise the item */
static struct task_struct *producer, *consumer;

static int producer_fn(void *data)
{
	int item, ret;

	for (item = 1; item <= ITEMS; item++) {
		ret = wait_event_interruptible(emptied, READ_ONCE(slot) == 0);
		if (ret)
			return ret;
		pr_info("produced item %d\n", item);
		WRITE_ONCE(slot, item);
		wake_up(&filled);
	}
	/* Done; wait for kthread_stop() without spinning. */
	wait_event_interruptible(emptied, kthread_should_stop());
	return 0;
}

static int consumer_fn(void *data)
{
	int consumed = 0;

	for (;;) {
		int ret = wait_event_interruptible(filled, READ_ONCE(slot) ||
							   kthread_should_stop());

		if (ret)
			return ret;
		if (!READ_ONCE(slot))
			break;	/* woken by kthread_stop() */
		pr_info("consumed item %d (wait returned %d)\n", slot, ret);
		consumed++;
		WRITE_ONCE(slot, 0);
		wake_up(&emptied);
		if (consumed == ITEMS)
			complete(&all_consumed);
	}
	pr_info("consumer stops after %d items\n", consumed);
	return consumed;
}

static int __init producer_consumer_init(void)
{
	consumer = kthread_run(consumer_fn, NULL, "pc_consumer");
	if (IS_ERR(consumer))
		return PTR_ERR(consumer);

	producer = kthread_run(producer_fn, NULL, "pc_producer");
	if (IS_ERR(producer)) {
		kthread_stop(consumer);
		return PTR_ERR(producer);
	}

	/* Keep the hand-over inside insmod, so its lines come before rmmod. */
	wait_for_completion(&all_consumed);
	return 0;
}

static void __exit producer_consumer_exit(void)
{
	pr_info("producer returned %d\n", kthread_stop(producer));
	pr_info("consumer returned %d\n", kthread_stop(consumer));
}

module_init(producer_consumer_init);
module_exit(producer_consumer_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Producer and consumer kthreads on wait queues");
MODULE_AUTHOR("The kthread book");
