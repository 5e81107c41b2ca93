/*
 * What every program that holds a secret does first, shared by the tools
 * and apitokend.
 */
#ifndef APITOKEN_NOCORE_H
#define APITOKEN_NOCORE_H

/* No core file, no ptrace by other users; exits (err) if it cannot. */
void	no_core_dumps(void);

#endif /* APITOKEN_NOCORE_H */
