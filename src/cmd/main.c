/* main.c - placeholder until the command-line front end lands. */
#include <stdio.h>
int main(void)
{
	puts("neto");
	return 0;
}
