/* placeholder until the devbroker lands */
#include <stdio.h>
int main(void) { fputs("ronda-devbroker: not built yet\n", stderr); return 1; }
