/* mailwarden-quota-plugin.c: the Dovecot side of the mailwarden quota extension.
   Loaded after the quota plugin (lib10 < lib20; depends on "quota"), it attaches a
   context to every mail_user, reads the user's limits (mailwarden_quota_storage,
   mailwarden_quota_messages) into the C++ core through quota-bridge.h, and logs them
   on the user's event. The enforcement (time-based grace by wrapping the quota
   roots' test_alloc, warning mails, 5xx for over-size) builds on this context.
   Rules: R-PSH-4, R-SAV-1, R-SAV-2 (later), R-MYO-8.
   Security: runs inside Dovecot's mail processes (lmtp, imap, ...) with the mail user's
   privileges; does no network I/O, no syslog, no blocking calls (single-threaded
   event loop); every value it reads is treated as hostile.
   Failure: a malformed setting is a warning and the default is used; if the core
   cannot be created (out of memory) the user gets user->error, as Dovecot's own
   quota plugin does, and the session fails cleanly instead of running unenforced. */

#include "lib.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"
#include "quota-plugin.h"
#include "mailwarden-quota-plugin.h"
#include "mailwarden-quota-settings.h"
#include "quota-bridge.h"

/* The quota plugin's symbols are weak references. Dovecot dlopen()s a plugin with
   RTLD_NOW before it checks mailwarden_quota_plugin_dependencies; a strong reference
   would make a missing quota plugin fail as "undefined symbol: quota_user_module"
   instead of Dovecot's clear "Plugin quota must be loaded also". When the
   dependency check passes, lib10_quota is loaded (RTLD_GLOBAL) and they resolve. */
#pragma weak quota_user_module

#if !DOVECOT_PREREQ(2, 3, 0) || DOVECOT_PREREQ(2, 4, 0)
#  error "mailwarden_quota supports Dovecot 2.3 (see DESIGN.md); 2.4 needs its settings code"
#endif

const char *mailwarden_quota_plugin_version = DOVECOT_ABI_VERSION;
/* Dovecot refuses to load us unless the quota plugin is loaded too, with
   "Plugin quota must be loaded also": we extend its roots, never link to it. */
const char *mailwarden_quota_plugin_dependencies[] = { "quota", NULL };

struct event_category event_category_mailwarden_quota = {
	.name = "mailwarden_quota",
};

/* declared in the header (MODULE_CONTEXT_DEFINE) for the plugin's other files */
struct mailwarden_quota_user_module mailwarden_quota_user_module =
	MODULE_CONTEXT_INIT(&mail_user_module_register);

/* process-wide event for what happens outside a user (plugin load) */
static struct event *mailwarden_quota_event = NULL;

static void mailwarden_quota_mail_user_deinit(struct mail_user *user)
{
	struct mailwarden_quota_mail_user *muser =
		MAILWARDEN_QUOTA_USER_CONTEXT(user);

	i_assert(muser != NULL);
	mailwarden_quota_user_free(&muser->core);
	event_unref(&muser->event);
	muser->module_ctx.super.deinit(user);
}

static void mailwarden_quota_log_limits(struct mail_user *user,
					struct mailwarden_quota_mail_user *muser)
{
	uint64_t storage, messages;
	const char *error;

	if (mailwarden_quota_user_get_limit(muser->core,
			MAILWARDEN_QUOTA_LIMIT_STORAGE, &storage, &error) < 0 ||
	    mailwarden_quota_user_get_limit(muser->core,
			MAILWARDEN_QUOTA_LIMIT_MESSAGES, &messages, &error) < 0) {
		/* only a bug in this file gets here */
		e_error(muser->event, "Reading the user's limits failed: %s", error);
		return;
	}
	/* The quota plugin attaches its context only when a quota root is set;
	   without one there is nothing for us to extend. */
	e_debug(muser->event, "user limits: storage=%"PRIu64" bytes, "
		"messages=%"PRIu64" (0 = unlimited), quota %s",
		storage, messages,
		QUOTA_USER_CONTEXT(user) != NULL ? "enabled" :
		"disabled (no quota root for this user)");
}

static void mailwarden_quota_mail_user_created(struct mail_user *user)
{
	struct mail_user_vfuncs *v = user->vlast;
	struct mailwarden_quota_mail_user *muser;
	const char *error;

	muser = p_new(user->pool, struct mailwarden_quota_mail_user, 1);
	muser->event = event_create(user->event);
	event_add_category(muser->event, &event_category_mailwarden_quota);
	event_set_append_log_prefix(muser->event, MAILWARDEN_QUOTA_LOG_PREFIX);

	if (mailwarden_quota_user_create(&muser->core, &error) < 0) {
		e_error(muser->event, "Failed to initialize: %s", error);
		user->error = p_strdup_printf(user->pool,
			"Failed to initialize mailwarden_quota: %s", error);
		event_unref(&muser->event);
		return;
	}

	muser->module_ctx.super = *v;
	user->vlast = &muser->module_ctx.super;
	v->deinit = mailwarden_quota_mail_user_deinit;
	MODULE_CONTEXT_SET(user, mailwarden_quota_user_module, muser);

	mailwarden_quota_settings_read(user, muser);
	mailwarden_quota_log_limits(user, muser);
}

static struct mail_storage_hooks mailwarden_quota_mail_storage_hooks = {
	.mail_user_created = mailwarden_quota_mail_user_created,
};

void mailwarden_quota_plugin_init(struct module *module)
{
	mailwarden_quota_event = event_create(NULL);
	event_add_category(mailwarden_quota_event,
			   &event_category_mailwarden_quota);
	event_set_append_log_prefix(mailwarden_quota_event,
				    MAILWARDEN_QUOTA_LOG_PREFIX);
	if (&quota_user_module == NULL) {
		/* Dovecot's dependency check makes this unreachable; if a
		   loader ever skips it, say so rather than crash later. */
		e_error(mailwarden_quota_event, "The quota plugin is not "
			"loaded: set mail_plugins = $mail_plugins quota "
			"mailwarden_quota; nothing is enforced");
		return;
	}
	mail_storage_hooks_add(module, &mailwarden_quota_mail_storage_hooks);
	e_debug(mailwarden_quota_event, "plugin initialized (mailwarden %s, %s)",
		MAILWARDEN_VERSION, DOVECOT_ABI_VERSION);
}

void mailwarden_quota_plugin_deinit(void)
{
	mail_storage_hooks_remove(&mailwarden_quota_mail_storage_hooks);
	event_unref(&mailwarden_quota_event);
}
