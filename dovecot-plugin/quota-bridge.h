/* quota-bridge.h: the plain-C face of the quota plugin's C++ core (quota_bridge.cpp).
   The Dovecot glue (mailwarden-quota-plugin.c) includes only this header from our code,
   never a C++ one; the C++ side includes no Dovecot header. Conventions are Dovecot's:
   opaque handles, int returns (-1 error, 0/1 result), values through _r out-parameters,
   errors through const char **error_r, never as a returned string. No function lets an
   exception escape: each one catches everything and returns -1 with an error.
   Rules: R-PSH-4, R-SAV-1, R-MYO-8 (per-user limits from userdb fields). */
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

#ifdef __cplusplus
}
#endif

#endif
