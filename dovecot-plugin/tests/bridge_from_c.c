/* bridge_from_c.c: calls quota-bridge.h from C, as the Dovecot glue does, so the tests
   prove the header is plain C and let a C caller pass what C++ cannot express: an
   enum value outside mailwarden_quota_limit. */
#include "dovecot-plugin/quota-bridge.h"

#include "dovecot-plugin/tests/bridge_from_c.h"

int mwq_test_set_limit_raw(struct mailwarden_quota_user *user, int which,
			   const char *value, const char **error_r)
{
	return mailwarden_quota_user_set_limit(
		user, (enum mailwarden_quota_limit)which, value, error_r);
}

int mwq_test_get_limit_raw(const struct mailwarden_quota_user *user, int which,
			   uint64_t *value_r, const char **error_r)
{
	return mailwarden_quota_user_get_limit(
		user, (enum mailwarden_quota_limit)which, value_r, error_r);
}
