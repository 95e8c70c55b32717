/* mailwarden-quota-plugin.c: the Dovecot side of the mailwarden quota extension.
   Loaded after the quota plugin (lib10 < lib20; depends on "quota"), it attaches a
   context to every mail_user, reads the user's limits (mailwarden_quota_storage,
   mailwarden_quota_messages, defaults, grace) into the C++ core through
   quota-bridge.h, gives the resulting limits to Dovecot's quota roots (so
   doveadm quota get, IMAP GETQUOTAROOT, LMTP and quota-status all enforce and show
   them), and wraps quota->set->test_alloc (as the trash plugin does) to let
   deliveries over the soft limit in during the grace period and refuse them after.
   After each commit that changed a mailbox it compares usage with the warning
   thresholds and, once per crossing, saves a warning (or "back under quota") mail
   composed by the core into the user's INBOX: directly, because a helper run through
   quota_warning would need its own privileges and a second delivery path, and stock
   percentage warnings do not follow limits we set per user.
   Rules: R-PSH-4, R-SAV-1, R-SAV-2, R-MYO-8.
   Security: runs inside Dovecot's mail processes (lmtp, imap, ...) with the mail user's
   privileges; does no network I/O, no syslog, no blocking calls (single-threaded
   event loop); every value it reads is treated as hostile.
   Failure: a malformed setting is a warning and the default is used; if the core
   cannot be created (out of memory) the user gets user->error, as Dovecot's own
   quota plugin does, and the session fails cleanly instead of running unenforced. */

#include "lib.h"
#include "istream.h"
#include "hostpid.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"
#include "mail-namespace.h"
#include "quota-private.h"
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

#define MAILWARDEN_QUOTA_CONTEXT(obj) \
	MODULE_CONTEXT(obj, mailwarden_quota_storage_module)

struct mailwarden_quota_mailbox {
	union mailbox_module_context module_ctx;
};

static MODULE_CONTEXT_DEFINE_INIT(mailwarden_quota_storage_module,
				  &mail_storage_module_register);

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

/* Usage before this allocation, from what quota_transaction_set_limits() put in
   ctx for our limit (it ran inside super_test_alloc): over = usage - limit, or
   ceil2 = limit - usage (ceil2 is without quota_grace's extra bytes), plus what this
   transaction already allocated. limit 0 (unlimited) gives 0: the core ignores it. */
static uint64_t
mailwarden_quota_usage(uint64_t limit, uint64_t over, uint64_t ceil,
		       int64_t used)
{
	uint64_t current;

	if (limit == 0 || (over == 0 && ceil == (uint64_t)-1))
		return 0;
	current = over > 0 ? limit + over : (ceil > limit ? 0 : limit - ceil);
	if (used < 0)
		return (uint64_t)-used > current ? 0 : current - (uint64_t)-used;
	return current + (uint64_t)used;
}

static const char *
mailwarden_quota_verdict_name(enum mailwarden_quota_verdict verdict)
{
	switch (verdict) {
	case MAILWARDEN_QUOTA_ALLOW:
		return "allowed";
	case MAILWARDEN_QUOTA_ALLOW_IN_GRACE:
		return "allowed during the grace period";
	case MAILWARDEN_QUOTA_REFUSE_OVER_QUOTA:
		return "refused: over quota";
	case MAILWARDEN_QUOTA_REFUSE_GRACE_EXPIRED:
		return "refused: over quota and the grace period has ended";
	case MAILWARDEN_QUOTA_REFUSE_HARD_LIMIT:
		return "refused: over the hard limit";
	}
	return "unknown";
}

/* R-SAV-2: the quota check of every save, LMTP RCPT (lmtp_rcpt_check_quota) and
   quota-status. Dovecot's own check runs first; its verdict stands for anything but
   "over quota" (maximum mail size, temporary failures). */
static enum quota_alloc_result
mailwarden_quota_test_alloc(struct quota_transaction_context *ctx, uoff_t size,
			    const char **error_r)
{
	struct mail_user *user = ctx->quota->user;
	struct mailwarden_quota_mail_user *muser =
		MAILWARDEN_QUOTA_USER_CONTEXT(user);
	enum mailwarden_quota_verdict verdict;
	enum quota_alloc_result ret;
	uint64_t bytes, messages;
	int64_t grace_end;
	const char *error;

	i_assert(muser != NULL && muser->super_test_alloc != NULL);
	if (muser->in_notice)
		return QUOTA_ALLOC_RESULT_OK;
	if (muser->max_mail_size > 0 && size > muser->max_mail_size) {
		/* R-PSH-4: Dovecot's own check would give LMTP's temporary
		   451 4.2.0 (MAIL_ERROR_LIMIT) and the sender's server would
		   retry for days; "over quota limit" is LMTP's permanent 552. */
		*error_r = t_strdup_printf("Mail size %"PRIuUOFF_T" exceeds "
					   "max mail size %"PRIuUOFF_T,
					   size, muser->max_mail_size);
		e_info(muser->event, "%s: refused", *error_r);
		return QUOTA_ALLOC_RESULT_OVER_QUOTA_LIMIT;
	}
	ret = muser->super_test_alloc(ctx, size, error_r);
	if (ret != QUOTA_ALLOC_RESULT_OK &&
	    ret != QUOTA_ALLOC_RESULT_OVER_QUOTA &&
	    ret != QUOTA_ALLOC_RESULT_OVER_QUOTA_LIMIT)
		return ret;
	if (!ctx->limits_set || ctx->no_quota_updates)
		return ret;

	bytes = mailwarden_quota_usage(muser->storage_limit, ctx->bytes_over,
				       ctx->bytes_ceil2, ctx->bytes_used);
	messages = mailwarden_quota_usage(muser->messages_limit,
					  ctx->count_over, ctx->count_ceil,
					  ctx->count_used);
	if (size > 0) {
		muser->pending_valid = TRUE;
		muser->pending_bytes = bytes + size;
	}
	if (mailwarden_quota_user_decide(muser->core, bytes, messages, size, 1,
					 &verdict, &grace_end, &error) < 0) {
		e_error(muser->event, "Quota decision failed: %s; "
			"using Dovecot's", error);
		return ret;
	}
	if (verdict == MAILWARDEN_QUOTA_ALLOW ||
	    verdict == MAILWARDEN_QUOTA_ALLOW_IN_GRACE) {
		if (ret != QUOTA_ALLOC_RESULT_OK) {
			e_debug(muser->event, "%"PRIu64" bytes/%"PRIu64
				" messages + %"PRIuUOFF_T" bytes: %s "
				"(ends at %"PRId64")", bytes, messages, size,
				mailwarden_quota_verdict_name(verdict),
				grace_end);
		}
		return QUOTA_ALLOC_RESULT_OK;
	}
	e_info(muser->event, "%"PRIu64" bytes/%"PRIu64" messages + %"PRIuUOFF_T
	       " bytes (limits %"PRIu64"/%"PRIu64"): %s%s", bytes, messages,
	       size, muser->storage_limit, muser->messages_limit,
	       mailwarden_quota_verdict_name(verdict),
	       grace_end == 0 ? "" : t_strdup_printf(" (grace ended at %"PRId64")",
						     grace_end));
	if (ret == QUOTA_ALLOC_RESULT_OK) {
		/* Dovecot allowed it (quota_grace's extra bytes): ours wins */
		*error_r = t_strdup_printf("Allocating %"PRIuUOFF_T
					   " bytes would exceed quota", size);
		return QUOTA_ALLOC_RESULT_OVER_QUOTA;
	}
	return ret;
}

/* Gives our limits to every quota root of the user: root->bytes_limit is what
   quota_root_get_rule_limits() reads, default_rule what "?"/"*" rules and
   percentages build on. Runs once per user, before any mailbox is opened. */
static void
mailwarden_quota_apply_limits(struct mailwarden_quota_mail_user *muser,
			      struct quota *quota)
{
	struct quota_root *const *rootp;
	const char *error;

	if (mailwarden_quota_user_get_limit(muser->core,
			MAILWARDEN_QUOTA_LIMIT_STORAGE, &muser->storage_limit,
			&error) < 0 ||
	    mailwarden_quota_user_get_limit(muser->core,
			MAILWARDEN_QUOTA_LIMIT_MESSAGES, &muser->messages_limit,
			&error) < 0) {
		e_error(muser->event, "Reading the user's limits failed: %s",
			error);
		return;
	}
	array_foreach(&quota->roots, rootp) {
		struct quota_root *root = *rootp;

		root->bytes_limit = muser->storage_limit > INT64_MAX ?
			INT64_MAX : (int64_t)muser->storage_limit;
		root->count_limit = muser->messages_limit > INT64_MAX ?
			INT64_MAX : (int64_t)muser->messages_limit;
		root->set->default_rule.bytes_limit = root->bytes_limit;
		root->set->default_rule.count_limit = root->count_limit;
	}
}

static void
mailwarden_quota_mail_namespaces_created(struct mail_namespace *namespaces)
{
	struct mail_user *user = namespaces->user;
	struct mailwarden_quota_mail_user *muser =
		MAILWARDEN_QUOTA_USER_CONTEXT(user);
	struct quota_user *quser = QUOTA_USER_CONTEXT(user);
	struct quota *quota;

	if (muser == NULL || quser == NULL || quser->quota == NULL)
		return;
	quota = quser->quota;
	mailwarden_quota_apply_limits(muser, quota);
	if (muser->super_test_alloc == NULL) {
		muser->super_test_alloc = quota->set->test_alloc;
		quota->set->test_alloc = mailwarden_quota_test_alloc;
		if (strcmp(user->service, "lmtp") == 0) {
			/* quota-status keeps Dovecot's check: its
			   quota_status_toolarge gives 552 5.3.4 in SMTP */
			muser->max_mail_size = quota->set->max_mail_size;
			quota->set->max_mail_size = 0;
		}
	}
}

/* Saves text as a new mail in user's INBOX. Returns 0 or -1 (logged). */
static int
mailwarden_quota_save_notice(struct mail_user *user,
			     struct mailwarden_quota_mail_user *muser,
			     const char *text)
{
	struct mail_namespace *ns = mail_namespace_find_inbox(user->namespaces);
	struct mailbox_transaction_context *t;
	struct mail_save_context *save_ctx;
	struct mailbox *box;
	struct istream *input;
	int ret = 0;

	if (ns == NULL) {
		e_error(muser->event, "No INBOX namespace for the quota notice");
		return -1;
	}
	box = mailbox_alloc(ns->list, "INBOX", 0);
	muser->in_notice = TRUE;
	if (mailbox_open(box) < 0)
		ret = -1;
	else {
		t = mailbox_transaction_begin(box,
			MAILBOX_TRANSACTION_FLAG_EXTERNAL,
			"mailwarden_quota notice");
		save_ctx = mailbox_save_alloc(t);
		input = i_stream_create_from_data(text, strlen(text));
		if (mailbox_save_begin(&save_ctx, input) < 0)
			ret = -1;
		else {
			do {
				if (mailbox_save_continue(save_ctx) < 0) {
					ret = -1;
					break;
				}
			} while (i_stream_read(input) > 0);
			if (ret == 0 && input->stream_errno != 0)
				ret = -1;
			if (ret == 0)
				ret = mailbox_save_finish(&save_ctx);
			else
				mailbox_save_cancel(&save_ctx);
		}
		i_stream_unref(&input);
		if (ret == 0)
			ret = mailbox_transaction_commit(&t);
		else
			mailbox_transaction_rollback(&t);
	}
	if (ret < 0) {
		e_error(muser->event, "Saving the quota notice into INBOX "
			"failed: %s", mailbox_get_last_internal_error(box, NULL));
	}
	mailbox_free(&box);
	muser->in_notice = FALSE;
	return ret;
}

/* R-SAV-1: after a commit, a warning or "back under quota" mail when usage crossed
   a threshold (the core remembers the announced level in the state file). */
static void
mailwarden_quota_check_notices(struct mail_user *user,
			       struct mailwarden_quota_mail_user *muser)
{
	const char *error, *text, *from, *lang, *at;
	uint64_t bytes, threshold;
	int notice;

	/* Only after saves, with the usage our test_alloc computed: the count
	   backend's own figure is updated by a later sync, so right after a
	   commit it can be stale or 0.
	   XXX: so a "back under quota" notice after expunges goes out with the
	   next mail saved, not at the expunge itself. */
	if (!muser->pending_valid)
		return;
	bytes = muser->pending_bytes;
	muser->pending_valid = FALSE;
	if (mailwarden_quota_user_check_warnings(muser->core, bytes, &notice,
						 &threshold, &error) < 0) {
		e_error(muser->event, "Checking warnings failed: %s", error);
		return;
	}
	e_debug(muser->event, "usage %"PRIu64" bytes: notice %d", bytes, notice);
	if (notice == 0)
		return;
	lang = mail_user_plugin_getenv(user, "mailwarden_quota_lang");
	from = mail_user_plugin_getenv(user, "mailwarden_quota_notice_from");
	if (from == NULL || from[0] == '\0') {
		at = strrchr(user->username, '@');
		from = at == NULL ? "postmaster" :
			t_strconcat("postmaster", at, NULL);
	}
	if (mailwarden_quota_user_compose_notice(muser->core, notice, bytes,
			threshold, lang, user->username, from, my_hostname,
			&text, &error) < 0) {
		e_error(muser->event, "Composing the quota notice failed: %s",
			error);
		return;
	}
	if (mailwarden_quota_save_notice(user, muser, text) == 0) {
		e_info(muser->event, "%s mail saved into INBOX: usage %"PRIu64
		       " bytes%s", notice == 1 ? "quota warning" :
		       "back under quota", bytes, notice == 1 ?
		       t_strdup_printf(", threshold %"PRIu64, threshold) : "");
	}
}

static int
mailwarden_quota_transaction_commit(struct mailbox_transaction_context *t,
				    struct mail_transaction_commit_changes *changes_r)
{
	struct mailbox *box = t->box;
	struct mailwarden_quota_mailbox *mbox = MAILWARDEN_QUOTA_CONTEXT(box);
	struct mail_user *user = mailbox_get_namespace(box)->owner;
	struct mailwarden_quota_mail_user *muser;
	int ret;
	bool saved = t->save_count > 0;

	i_assert(mbox != NULL);
	ret = mbox->module_ctx.super.transaction_commit(t, changes_r);
	if (ret < 0 || user == NULL || !saved)
		return ret;
	muser = MAILWARDEN_QUOTA_USER_CONTEXT(user);
	if (muser != NULL && !muser->in_notice) T_BEGIN {
		mailwarden_quota_check_notices(user, muser);
	} T_END;
	return ret;
}

static void mailwarden_quota_mailbox_allocated(struct mailbox *box)
{
	struct mailbox_vfuncs *v = box->vlast;
	struct mail_user *user = mailbox_get_namespace(box)->owner;
	struct mailwarden_quota_mail_user *muser;
	struct mailwarden_quota_mailbox *mbox;

	/* only the owner's own mailboxes, and only when warnings are on */
	if (user == NULL || user != box->storage->user)
		return;
	muser = MAILWARDEN_QUOTA_USER_CONTEXT(user);
	if (muser == NULL || mailwarden_quota_user_has_warnings(muser->core) == 0)
		return;
	mbox = p_new(box->pool, struct mailwarden_quota_mailbox, 1);
	mbox->module_ctx.super = *v;
	box->vlast = &mbox->module_ctx.super;
	v->transaction_commit = mailwarden_quota_transaction_commit;
	MODULE_CONTEXT_SET(box, mailwarden_quota_storage_module, mbox);
}

static struct mail_storage_hooks mailwarden_quota_mail_storage_hooks = {
	.mail_user_created = mailwarden_quota_mail_user_created,
	.mail_namespaces_created = mailwarden_quota_mail_namespaces_created,
	.mailbox_allocated = mailwarden_quota_mailbox_allocated,
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
