/* bridge_from_c.h: test-only C wrappers around quota-bridge.h (bridge_from_c.c). */
#ifndef MAILWARDEN_QUOTA_BRIDGE_FROM_C_H
#define MAILWARDEN_QUOTA_BRIDGE_FROM_C_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mailwarden_quota_user;

/* the bridge's set/get with `which` as a plain int, converted in C */
int mwq_test_set_limit_raw(struct mailwarden_quota_user *user, int which,
			   const char *value, const char **error_r);
int mwq_test_get_limit_raw(const struct mailwarden_quota_user *user, int which,
			   uint64_t *value_r, const char **error_r);

#ifdef __cplusplus
}
#endif

#endif
