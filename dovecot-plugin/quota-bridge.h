/* quota-bridge.h: the plain-C face of the quota plugin's C++ core (quota_bridge.cpp).
   The Dovecot glue (mailwarden-quota-plugin.c) includes only this header from our code,
   never a C++ one; the C++ side includes no Dovecot header. Conventions are Dovecot's:
   opaque handles, int returns (-1 error, 0/1 result), values through _r out-parameters,
   errors through const char **error_r, never as a returned string. No function lets an
   exception escape: each one catches everything and returns -1 with an error.
   Rules: R-PSH-4, R-SAV-1, R-MYO-8 (per-user limits from userdb fields), R-SAV-2 (grace). */
#ifndef MAILWARDEN_QUOTA_BRIDGE_H
#define MAILWARDEN_QUOTA_BRIDGE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One mail user's state in the core (limits now; grace and warnings later).
   Created when Dovecot creates the mail_user, freed when it is deinitialised. */
struct mailwarden_quota_user;

enum mailwarden_quota_limit {
	MAILWARDEN_QUOTA_LIMIT_STORAGE = 0,  /* bytes */
	MAILWARDEN_QUOTA_LIMIT_MESSAGES = 1, /* message count */
};

/* Creates the state with the default limits (core's configuration defaults).
   Returns 0 and sets *user_r, or -1 with *error_r (a static string) when out of memory. */
int mailwarden_quota_user_create(struct mailwarden_quota_user **user_r,
				 const char **error_r);

/* Frees the state and sets *user to NULL; does nothing when user or *user is NULL. */
void mailwarden_quota_user_free(struct mailwarden_quota_user **user);

/* Sets a limit from a setting's raw text, e.g. "20MB", "2000000000", "0" (unlimited);
   see quota_limits.hpp for the syntax.
   Returns 1 when the value was set, 0 when value is NULL or "" (not configured: the
   default stays), -1 when it is malformed or an argument is invalid (the default stays;
   *error_r says why, quoting at most a sanitised fragment of value). An error string is
   owned by user and valid until the next call on it or mailwarden_quota_user_free(). */
int mailwarden_quota_user_set_limit(struct mailwarden_quota_user *user,
				    enum mailwarden_quota_limit which,
				    const char *value, const char **error_r);

/* The effective limit (0 = unlimited) in *value_r. Returns 0, or -1 with *error_r
   (a static string) when an argument is invalid. */
int mailwarden_quota_user_get_limit(const struct mailwarden_quota_user *user,
				    enum mailwarden_quota_limit which,
				    uint64_t *value_r, const char **error_r);

/* Every setting of the plugin for one user, as raw text (NULL, "" or "default" = not
   set; for zero, "default" is a value). They come from plugin {} and userdb fields
   (mailwarden-quota-settings.c); see conf.d/dovecot/90-mailwarden-quota.conf. */
struct mailwarden_quota_raw_settings {
	const char *storage;          /* mailwarden_quota_storage: the user's limit (LDAP) */
	const char *messages;         /* mailwarden_quota_messages */
	const char *default_storage;  /* mailwarden_quota_default_storage: when storage is unset */
	const char *default_messages; /* mailwarden_quota_default_messages */
	const char *zero;             /* mailwarden_quota_zero: "unlimited" (default) | "default" */
	const char *grace;            /* mailwarden_quota_grace: "7d"; "0" = none (default) */
	const char *hard_storage;     /* mailwarden_quota_hard_storage: size or "150%" */
	const char *hard_messages;    /* mailwarden_quota_hard_messages: count or "150%" */
	const char *warnings;         /* mailwarden_quota_warnings: "25MB 90%" */
	const char *clock_offset;     /* mailwarden_quota_test_clock_offset: tests only, "8d" */
	const char *state_path;       /* the state file (set by the glue: in the user's home) */
};

/* Where the core's messages go (the glue logs them on the user's event). level: 0 debug,
   1 info, 2 warning, 3 error. Never called after mailwarden_quota_user_free(). */
typedef void mailwarden_quota_log_func(void *context, int level, const char *message);

/* Applies raw: every malformed value is reported through log (level 2, naming the setting
   and the default used) and replaced by its default; absent values take the defaults;
   then the state file is read (a damaged one is logged and treated as empty).
   Returns 0, or -1 with *error_r only for invalid arguments or out of memory. */
int mailwarden_quota_user_configure(struct mailwarden_quota_user *user,
				    const struct mailwarden_quota_raw_settings *raw,
				    mailwarden_quota_log_func *log, void *log_context,
				    const char **error_r);

enum mailwarden_quota_verdict {
	MAILWARDEN_QUOTA_ALLOW = 0,
	MAILWARDEN_QUOTA_ALLOW_IN_GRACE = 1,
	MAILWARDEN_QUOTA_REFUSE_OVER_QUOTA = 2,
	MAILWARDEN_QUOTA_REFUSE_GRACE_EXPIRED = 3,
	MAILWARDEN_QUOTA_REFUSE_HARD_LIMIT = 4,
};

/* Decides a delivery of (in_bytes, in_messages) into a mailbox holding (bytes, messages)
   now (grace.hpp), saving the state file when it changed (a failed save is logged).
   *grace_end_r is the end of the grace as a Unix time, 0 when none applies.
   Returns 0, or -1 with *error_r (then the caller keeps Dovecot's own verdict). */
int mailwarden_quota_user_decide(struct mailwarden_quota_user *user,
				 uint64_t bytes, uint64_t messages,
				 uint64_t in_bytes, uint64_t in_messages,
				 enum mailwarden_quota_verdict *verdict_r,
				 int64_t *grace_end_r, const char **error_r);

/* The notice due for the mailbox's usage now (warnings.hpp): 0 none, 1 warning (with the
   crossed *threshold_r in bytes), 2 back under quota. The announced level is saved in the
   state file. Returns 0, or -1 with *error_r. */
int mailwarden_quota_user_check_warnings(struct mailwarden_quota_user *user, uint64_t bytes,
					 int *notice_r, uint64_t *threshold_r,
					 const char **error_r);

/* 1 when warning thresholds are configured (the glue then checks usage after commits),
   else 0 (also for NULL). */
int mailwarden_quota_user_has_warnings(const struct mailwarden_quota_user *user);

/* Composes the notice mail (notice: 1 warning, 2 back under; bytes = usage now, threshold =
   the crossed one) in language lang (NULL/"" = en), from from to to (notice.hpp), with the
   grace end from the state. *text_r is owned by user, valid until the next call on it.
   Returns 0, or -1 with *error_r. */
int mailwarden_quota_user_compose_notice(struct mailwarden_quota_user *user, int notice,
					 uint64_t bytes, uint64_t threshold,
					 const char *lang, const char *to, const char *from,
					 const char *host, const char **text_r,
					 const char **error_r);

#ifdef __cplusplus
}
#endif

#endif
