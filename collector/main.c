/* placeholder until the collector lands */
#include <stdio.h>
int main(void) { fputs("ronda-collector: not built yet\n", stderr); return 1; }
