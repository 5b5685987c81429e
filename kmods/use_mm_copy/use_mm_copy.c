// SPDX-License-Identifier: GPL-2.0
/*
 * use_mm_copy: a kernel thread that works in a process's address space
 * with kthread_use_mm().
 *
 * A kernel thread has no user address space of its own: current->mm is
 * NULL, and copy_to_user() has nowhere to copy to.  kthread_use_mm(mm)
 * makes mm the thread's current->mm (and its active_mm, switching the page
 * tables) until kthread_unuse_mm(mm); in between the thread can map memory
 * there and copy to and from it as if it were that process.  The thread
 * must hold a reference to the mm for the whole time: here init takes one
 * with get_task_mm() on insmod itself, and the thread drops it with
 * mmput() at the end.
 *
 * init waits for the thread to finish (the completion "done"), so insmod
 * and its address space are alive throughout and the lines come in order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

static DECLARE_COMPLETION(done);

static int borrower_fn(void *data)
{
	static const char msg[] = "written by a kthread";
	struct mm_struct *mm = data;
	char buf[sizeof(msg)] = "";
	unsigned long addr, left;

	pr_info("thread: current->mm is %s\n", current->mm ? "set" : "NULL");

	kthread_use_mm(mm);
	pr_info("after kthread_use_mm(): current->mm is insmod's: %s\n",
		current->mm == mm ? "yes" : "no");

	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(addr)) {
		pr_info("vm_mmap() failed: %ld\n", (long)addr);
	} else {
		left = copy_to_user((void __user *)addr, msg, sizeof(msg));
		pr_info("copy_to_user(): %lu bytes not copied\n", left);
		left = copy_from_user(buf, (const void __user *)addr,
				      sizeof(buf));
		buf[sizeof(buf) - 1] = '\0';
		pr_info("copy_from_user(): %lu bytes not copied, read \"%s\"\n",
			left, buf);
		vm_munmap(addr, PAGE_SIZE);
	}

	kthread_unuse_mm(mm);
	pr_info("after kthread_unuse_mm(): current->mm is %s\n",
		current->mm ? "set" : "NULL");
	mmput(mm);
	complete(&done);
	return 0;
}

static int __init use_mm_copy_init(void)
{
	struct task_struct *task;
	struct mm_struct *mm;

	mm = get_task_mm(current);
	if (!mm)
		return -EINVAL;
	task = kthread_run(borrower_fn, mm, "mm_borrower");
	if (IS_ERR(task)) {
		mmput(mm);
		return PTR_ERR(task);
	}
	wait_for_completion(&done);
	return 0;
}

static void __exit use_mm_copy_exit(void)
{
}

module_init(use_mm_copy_init);
module_exit(use_mm_copy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_use_mm(): a kthread copying to and from a process's memory");
MODULE_AUTHOR("The kthread book");
