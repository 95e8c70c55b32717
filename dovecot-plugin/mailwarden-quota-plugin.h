/* mailwarden-quota-plugin.h: the entry points Dovecot looks up in
   lib20_mailwarden_quota_plugin.so, and the per-user context the plugin keeps.
   Only the four symbols below leave the shared object (-fvisibility=hidden plus a
   linker version script); everything else, the C++ core included, stays local.
   Rules: R-PSH-4, R-SAV-1, R-SAV-2, R-MYO-8 (the quota extension; see DESIGN.md). */
#ifndef MAILWARDEN_QUOTA_PLUGIN_H
#define MAILWARDEN_QUOTA_PLUGIN_H

#include "module-context.h"
#include "mail-user.h"

#define MAILWARDEN_QUOTA_EXPORT __attribute__((visibility("default")))

/* Every log line of the plugin starts with this (style rule 24). */
#define MAILWARDEN_QUOTA_LOG_PREFIX "mailwarden_quota: "

struct module;
struct mailwarden_quota_user;

/* What the plugin attaches to each mail_user. */
struct mailwarden_quota_mail_user {
	union mail_user_module_context module_ctx;

	/* child of user->event: category mailwarden_quota, log prefix above */
	struct event *event;
	/* the C++ core's state for this user (quota-bridge.h) */
	struct mailwarden_quota_user *core;
};

#define MAILWARDEN_QUOTA_USER_CONTEXT(obj) \
	MODULE_CONTEXT(obj, mailwarden_quota_user_module)

extern MODULE_CONTEXT_DEFINE(mailwarden_quota_user_module,
			     &mail_user_module_register);

/* Lets a log filter select the plugin: log_debug = category=mailwarden_quota */
extern struct event_category event_category_mailwarden_quota;

MAILWARDEN_QUOTA_EXPORT extern const char *mailwarden_quota_plugin_version;
MAILWARDEN_QUOTA_EXPORT extern const char *mailwarden_quota_plugin_dependencies[];

MAILWARDEN_QUOTA_EXPORT void mailwarden_quota_plugin_init(struct module *module);
MAILWARDEN_QUOTA_EXPORT void mailwarden_quota_plugin_deinit(void);

#endif
