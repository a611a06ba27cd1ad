/*
 * contracts.h - the contracts file (`supportgw contracts import`): its
 * header row and the checks of each row, turning CSV records (csv.h) into
 * struct store_contract rows for the store.
 *
 * The header names the columns, in any order, any case, spaces around
 * ignored: contract (required), customer_email, customer_name, company,
 * product, serial, region, language, level, starts, expires, auto_renew,
 * renewal_id (each optional).  Values are trimmed of spaces, tabs and line
 * breaks around them; an empty value is "not given" (NULL; level "none",
 * auto_renew no).  What a row must hold is listed in contracts.c beside each
 * check and in README.md; a contract id seen twice in one file is an error
 * on the second row, naming the first one's line.
 *
 * Every problem is reported through the caller's callback with the line it
 * is on and a sentence that names the column and the bad value
 * ("region: unknown region 'MARS' (known: EMEA, AMS, JP, CN, SG)"), all of
 * a row's problems, not only the first.  The module does no I/O and no SQL.
 *
 * Ownership: struct contracts_file belongs to its creator
 * (contracts_file_free) and borrows the config, which must outlive it.  A
 * row's strings point into the CSV record (trimmed and lower-cased in
 * place) or into the config: valid until the next csv_read().  The file
 * keeps every contract id it has seen (for duplicates): about 25 bytes
 * plus the id per row.
 * Errors: contracts_header() returns 0 or -1; contracts_row() returns 1 (a
 * valid contract in *c_r), 0 (a blank line: nothing) or -1 (invalid); on -1
 * the problems have been reported.
 */
#ifndef SUPPORTGW_CONTRACTS_H
#define SUPPORTGW_CONTRACTS_H

#include <stdint.h>

struct config;
struct contracts_file;
struct csv_record;
struct store_contract;

/* Longest contract id and renewal id, serial, free-text field (bytes). */
#define CONTRACTS_MAX_ID 128
#define CONTRACTS_MAX_SERIAL 1024
#define CONTRACTS_MAX_TEXT 1024

typedef void contracts_error_fn(void *ctx, uint64_t line, const char *what);

struct contracts_file *contracts_file_new(const struct config *config,
					  contracts_error_fn *error, void *ctx);
void contracts_file_free(struct contracts_file **file);

/* The first record of the file. */
int contracts_header(struct contracts_file *file, struct csv_record *record)
	__attribute__((warn_unused_result));
/* Every later record; c_r->updated_at is left 0 for the caller. */
int contracts_row(struct contracts_file *file, struct csv_record *record,
		  struct store_contract *c_r) __attribute__((warn_unused_result));

/* The column names, in the order of the file format, comma-separated. */
const char *contracts_columns(void);

#endif
