/* mailwarden-quota-settings.c: Dovecot 2.3 settings for the plugin. In 2.3 a userdb
   extra field (LDAP user_attrs "=mailwarden_quota_storage=%{ldap:quota}") overrides the
   plugin {} entry of the same name, and both arrive through mail_user_plugin_getenv().
   Values are parsed by the C++ core (quota-bridge.h): "20MB", "2000000000", "0" =
   unlimited; empty or absent = the default.
   Rules: R-PSH-4, R-SAV-1, R-MYO-8. */

#include "lib.h"
#include "mail-user.h"
#include "mailwarden-quota-plugin.h"
#include "mailwarden-quota-settings.h"
#include "quota-bridge.h"

static void
mailwarden_quota_read_limit(struct mail_user *user,
			    struct mailwarden_quota_mail_user *muser,
			    enum mailwarden_quota_limit which, const char *name)
{
	const char *value, *error, *get_error;
	uint64_t limit;

	value = mail_user_plugin_getenv(user, name);
	switch (mailwarden_quota_user_set_limit(muser->core, which, value,
						&error)) {
	case 1:
		return;
	case 0:
		e_debug(muser->event, "%s is not set: using the default",
			name);
		return;
	default:
		break;
	}
	if (mailwarden_quota_user_get_limit(muser->core, which, &limit,
					    &get_error) < 0) {
		e_error(muser->event, "Reading the default %s failed: %s",
			name, get_error);
		return;
	}
	/* error quotes the value, sanitised and bounded by the core */
	e_warning(muser->event, "Invalid %s: %s; "
		  "using the default %"PRIu64" (0 = unlimited)",
		  name, error, limit);
}

void mailwarden_quota_settings_read(struct mail_user *user,
				    struct mailwarden_quota_mail_user *muser)
{
	mailwarden_quota_read_limit(user, muser, MAILWARDEN_QUOTA_LIMIT_STORAGE,
				    MAILWARDEN_QUOTA_SETTING_STORAGE);
	mailwarden_quota_read_limit(user, muser, MAILWARDEN_QUOTA_LIMIT_MESSAGES,
				    MAILWARDEN_QUOTA_SETTING_MESSAGES);
}
