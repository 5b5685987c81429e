/* SPDX-License-Identifier: GPL-2.0 */
/*
 * preempt_model.h - name the preemption model the running kernel uses, so
 * that a listing about busy loops can print it next to its outcome.
 *
 * Debian's 5.10 kernel is built with CONFIG_PREEMPT_VOLUNTARY and cannot
 * switch models.  6.1 and later are built with CONFIG_PREEMPT_DYNAMIC:
 * the model is chosen at boot (preempt= on the command line, else the
 * Kconfig default: voluntary on 6.1 and 6.12, lazy on 7.2) and the
 * preempt_model_*() helpers (GPL exports) report it.  preempt_model_lazy()
 * exists from 6.13.  The version tests match the headers of the matrix.
 */
#ifndef PREEMPT_MODEL_H
#define PREEMPT_MODEL_H

#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/version.h>

static inline const char *preempt_model_name(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
	if (preempt_model_rt())
		return "rt";
	if (preempt_model_full())
		return "full";
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	if (preempt_model_lazy())
		return "lazy";
#endif
	if (preempt_model_voluntary())
		return "voluntary";
	return "none";
#elif defined(CONFIG_PREEMPT)
	return "full";
#elif defined(CONFIG_PREEMPT_VOLUNTARY)
	return "voluntary";
#else
	return "none";
#endif
}

#endif /* PREEMPT_MODEL_H */
