/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: 6.1
 * release: 6.1.0-57-cloud-amd64
 * package: linux-source-6.1 6.1.192-3
 * url: http://deb.debian.org/debian-security/pool/updates/main/l/linux/linux-source-6.1_6.1.192-3_all.deb
 * sha256: 5259c57ca92092da39bd2ea803046da0e3c28f2b6a11ea20f6297468188ceb67
 * wanted: kernel/kthread.c kthread_stop
 * looked in: kernel/kthread.c
 * kind: function
 * file: kernel/kthread.c
 * lines: 698-717
 */
int kthread_stop(struct task_struct *k)
{
	struct kthread *kthread;
	int ret;

	trace_sched_kthread_stop(k);

	get_task_struct(k);
	kthread = to_kthread(k);
	set_bit(KTHREAD_SHOULD_STOP, &kthread->flags);
	kthread_unpark(k);
	set_tsk_thread_flag(k, TIF_NOTIFY_SIGNAL);
	wake_up_process(k);
	wait_for_completion(&kthread->exited);
	ret = kthread->result;
	put_task_struct(k);

	trace_sched_kthread_stop_ret(ret);
	return ret;
}
