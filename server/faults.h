/* faults.h -- the catalogue of scenario faults: what each one does and the
 * real situation it reproduces. Printed by --list-faults. */
#pragma once
#include <stdio.h>

void faults_print(FILE *out);
