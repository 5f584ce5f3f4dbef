// The C string and memory functions the firmware (and the compilers, which
// emit calls to memcpy/memset/memmove for struct copies and large
// initialisers) need. Standard names and semantics.
#ifndef MINIPC_FW_LIB_STRING_H
#define MINIPC_FW_LIB_STRING_H

#include <stddef.h>

void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
char* strcpy(char* dst, const char* src);

#endif  // MINIPC_FW_LIB_STRING_H
