/* mailwarden-quota-settings.c: Dovecot 2.3 settings for the plugin. In 2.3 a userdb
   extra field (LDAP user_attrs "=mailwarden_quota_storage=%{ldap:quota}") overrides the
   plugin {} entry of the same name, and both arrive through mail_user_plugin_getenv().
   Values are parsed by the C++ core (quota-bridge.h): "20MB", "2000000000", "0" =
   unlimited or the default (mailwarden_quota_zero); empty or absent = the default.
   The only file that knows how 2.3 delivers settings (2.4 gets its own).
   mailwarden_quota_test_clock_offset ("8d") moves the plugin's clock forward: read
   only so integration tests can pass a 7-day grace without waiting; never set it in
   production (conf.d does not ship it).
   Rules: R-PSH-4, R-SAV-1, R-SAV-2, R-MYO-8. */

#include "lib.h"
#include "mail-user.h"
#include "mailwarden-quota-plugin.h"
#include "mailwarden-quota-settings.h"
#include "quota-bridge.h"

/* The state file's name in the user's home (core/quota/state.hpp says why a file). */
#define MAILWARDEN_QUOTA_STATE_FILE ".mailwarden-quota.state"

static void mailwarden_quota_core_log(void *context, int level,
				      const char *message)
{
	struct mailwarden_quota_mail_user *muser = context;

	switch (level) {
	case 0:
		e_debug(muser->event, "%s", message);
		break;
	case 1:
		e_info(muser->event, "%s", message);
		break;
	case 2:
		e_warning(muser->event, "%s", message);
		break;
	default:
		e_error(muser->event, "%s", message);
		break;
	}
}

void mailwarden_quota_settings_read(struct mail_user *user,
				    struct mailwarden_quota_mail_user *muser)
{
	struct mailwarden_quota_raw_settings raw;
	const char *home, *error;

	i_zero(&raw);
#define MWQ_GET(field, name) \
	raw.field = mail_user_plugin_getenv(user, name)
	MWQ_GET(storage, MAILWARDEN_QUOTA_SETTING_STORAGE);
	MWQ_GET(messages, MAILWARDEN_QUOTA_SETTING_MESSAGES);
	MWQ_GET(default_storage, "mailwarden_quota_default_storage");
	MWQ_GET(default_messages, "mailwarden_quota_default_messages");
	MWQ_GET(zero, "mailwarden_quota_zero");
	MWQ_GET(grace, "mailwarden_quota_grace");
	MWQ_GET(hard_storage, "mailwarden_quota_hard_storage");
	MWQ_GET(hard_messages, "mailwarden_quota_hard_messages");
	MWQ_GET(warnings, "mailwarden_quota_warnings");
	MWQ_GET(clock_offset, "mailwarden_quota_test_clock_offset");
#undef MWQ_GET
	/* No home (e.g. a userdb without one): the grace cannot survive
	   restarts; it then restarts with each session, which is logged. */
	if (mail_user_get_home(user, &home) > 0 && home[0] == '/') {
		raw.state_path = t_strconcat(home, "/",
					     MAILWARDEN_QUOTA_STATE_FILE, NULL);
	} else if (mail_user_plugin_getenv(user, "mailwarden_quota_grace") != NULL) {
		e_warning(muser->event, "The user has no home directory: "
			  "the grace period state is not kept");
	}
	if (mailwarden_quota_user_configure(muser->core, &raw,
					    mailwarden_quota_core_log, muser,
					    &error) < 0)
		e_error(muser->event, "Reading the settings failed: %s", error);
}
