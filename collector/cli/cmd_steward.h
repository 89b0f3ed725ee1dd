/* cmd_steward.h -- the command line of data stewardship (README.md, "Data stewardship"): the same actions as the
 * API routes of api_steward.c, on the database file directly, each in one transaction with its audit row (the
 * actor is "ligne de commande").
 *
 *   collector submissions show|correct|exclude|include|delete|erase ...
 *   collector audit [--csv] [--after ID] [--limit N]
 *   collector campaign test on|off|status | purge-tests [--reason R]
 *
 * Each takes argv from the subcommand's name on and returns the process exit status: 0 done, 1 refused or failed
 * (unknown submission, nothing to change, a correction that breaks the form, a database error: said on stderr),
 * 2 usage.
 */
#ifndef COLLECTOR_CMD_STEWARD_H
#define COLLECTOR_CMD_STEWARD_H

int cmd_submissions(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_campaign(int argc, char **argv);

#endif /* COLLECTOR_CMD_STEWARD_H */
