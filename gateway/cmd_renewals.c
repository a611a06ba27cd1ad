/* cmd_renewals.c - placeholder until the renewals command lands. */
#include "cli.h"

int cmd_renewals(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_fail(cli, EX_SOFTWARE, "not written yet");
}
