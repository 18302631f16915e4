/** DI token for the PmapContext (its own file so the TLB model can name it without importing the context). */
export const PmapContextToken = Symbol('PmapContext');
