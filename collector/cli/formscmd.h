/* formscmd.h -- "collector forms ...": the coordinator's commands on questionnaires.
 *
 *   collector forms export ID [--forms DIR] [--version V] -o FILE.xlsx    a form as an XLSForm workbook
 *   collector forms import FILE.xlsx [--forms DIR] [-o DIR/ID.json]        a workbook back to a checked form
 *   collector forms diff ID V1 V2 [--forms DIR] [--db PATH] [--json]      what changed between two versions
 *   collector forms translations ID --lang L [--forms DIR] [--accept [KEY...]] [--json]
 *                                                                          status of every text in language L
 *
 * Each returns a process exit status: 0 done, 1 the input has errors (printed), 2 bad usage.
 */
#ifndef COLLECTOR_FORMSCMD_H
#define COLLECTOR_FORMSCMD_H

/* Dispatches argv[1] (argv[0] is "forms"). */
int formscmd(int argc, char **argv);

int formscmd_export(int argc, char **argv);       /* formscmd_xlsx.c */
int formscmd_import(int argc, char **argv);       /* formscmd_xlsx.c */
int formscmd_diff(int argc, char **argv);         /* formscmd_diff.c */
int formscmd_translations(int argc, char **argv); /* formscmd_i18n.c */

#endif /* COLLECTOR_FORMSCMD_H */
