/*
** recsql: recommendation inside SQLite.
**
** Loadable:   .load ./build/recsql           (entry point sqlite3_recsql_init)
** Static:     link build/librecsql.a and call
**               sqlite3_auto_extension((void (*)(void))sqlite3_recsql_init);
**             before opening connections.
*/
#ifndef RECSQL_H
#define RECSQL_H

#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RECSQL_VERSION "0.1.0"

int sqlite3_recsql_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif

#endif
