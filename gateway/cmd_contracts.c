/* cmd_contracts.c - placeholder until the contracts commands land. */
#include "cli.h"

int cmd_contracts(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_fail(cli, EX_SOFTWARE, "not written yet");
}
