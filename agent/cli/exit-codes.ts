export const EXIT_COMPLIANT = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;
