#ifndef EDGEWATCH_CNCURSES_SHIM_H
#define EDGEWATCH_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Accessors for curses globals and macros that Swift cannot import as they are. */
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_a_bold(void) { return (int)A_BOLD; }
static inline int cn_a_reverse(void) { return (int)A_REVERSE; }
static inline int cn_a_dim(void) { return (int)A_DIM; }
static inline FILE *cn_stdout(void) { return stdout; }
static inline FILE *cn_stdin(void) { return stdin; }

/* A UTF-8 locale, so multi-byte characters (│ ✓ ▁) draw correctly. */
static inline const char *cn_setlocale_utf8(void) {
    const char *current = setlocale(LC_ALL, "");
    if (current == NULL || strcmp(current, "C") == 0 || strcmp(current, "POSIX") == 0) {
        current = setlocale(LC_ALL, "C.UTF-8");
    }
    return current;
}
#endif
