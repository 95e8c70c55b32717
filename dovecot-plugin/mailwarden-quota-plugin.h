/* mailwarden-quota-plugin.h: the entry points Dovecot looks up in
   lib20_mailwarden_quota_plugin.so, and the per-user context the plugin keeps.
   Only the four symbols below leave the shared object (-fvisibility=hidden plus a
   linker version script); everything else, the C++ core included, stays local.
   Rules: R-PSH-4, R-SAV-1, R-SAV-2, R-MYO-8 (the quota extension; see DESIGN.md). */
#ifndef MAILWARDEN_QUOTA_PLUGIN_H
#define MAILWARDEN_QUOTA_PLUGIN_H

#include "module-context.h"
#include "mail-user.h"
#include "quota.h"

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
	/* the quota root settings' test_alloc we wrap (the trash plugin's
	   pattern); NULL until mail_namespaces_created */
	enum quota_alloc_result (*super_test_alloc)(
		struct quota_transaction_context *ctx, uoff_t size,
		const char **error_r);
	/* the limits we gave Dovecot's quota roots (0 = unlimited) */
	uint64_t storage_limit, messages_limit;
	/* LMTP only: quota_max_mail_size, taken over from Dovecot so an over-size
	   delivery is refused permanently (552) instead of with 451 4.2.0 */
	uoff_t max_mail_size;
	/* TRUE while we save a notice mail into INBOX: quota lets it in (a
	   warning must reach a full mailbox) and its commit checks nothing */
	bool in_notice;
	/* usage after the save being tested (usage + size), for the warning check
	   after its commit: the count backend's usage is only updated by a later
	   sync, so reading it right after the commit would miss this mail */
	bool pending_valid;
	uint64_t pending_bytes;
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
