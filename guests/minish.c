/*
 * minish — a tiny shell: reads command lines from stdin and runs them with
 * fork, pipe, dup2, execve (through PATH) and waitpid.
 *
 * Usage: minish < SCRIPT
 *
 * Grammar, one line at a time:
 *   line      := pipeline { ';' pipeline } [ '#' comment ]
 *   pipeline  := command { '|' command }
 *   command   := word { word | '<' word | '>' word | '>>' word }
 * Words are split at blanks; '...' quotes literally, "..." quotes with $?
 * expanded, a backslash quotes the next character. $? is the exit status of
 * the last pipeline: its last command's status, or 128 + N when a signal N
 * killed it. Built in: `exit [N]` (ends minish with N, default $?) and
 * `cd DIR`. Anything else is found through PATH (or taken as a path when it
 * holds a '/') and exec'd in a child, every command of a pipeline in its own
 * process, all running at once; minish waits for all of them before it
 * reads the next line.
 *
 * A line is parsed whole before any of it runs: a syntax error anywhere in it
 * runs nothing. minish reads stdin one byte at a time, as sh does on a pipe,
 * so a command that reads stdin itself gets the rest of the script. It prints nothing on
 * stdout; its messages go to stderr: "minish: NAME: not found" (status 127),
 * "minish: FILE: cannot open (ERRNO)" (status 1), "minish: syntax error"
 * (status 2). At end of input it exits with $?.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "report.h"

#define LINE_MAX_LEN 4096
#define MAX_WORDS 64
#define MAX_CMDS 8

enum tok { T_WORD, T_PIPE, T_SEMI, T_IN, T_OUT, T_APPEND, T_END };

struct command {
	char *argv[MAX_WORDS + 1];
	int argc;
	char *in, *out;
	int append;
};

static int last_status;
static char line[LINE_MAX_LEN];
static char words[LINE_MAX_LEN * 2];  /* word text, NUL-separated */
static size_t words_len;

/* Read one line without its newline; returns 0 at end of input. */
static int read_line(void)
{
	size_t n = 0;
	int any = 0;
	char c;
	while (read(0, &c, 1) == 1) {
		any = 1;
		if (c == '\n')
			break;
		if (n < sizeof line - 1)
			line[n++] = c;
	}
	line[n] = '\0';
	return any;
}

static void put_char(char c)
{
	if (words_len < sizeof words - 1)
		words[words_len++] = c;
}

static void put_status(void)
{
	char num[16];
	snprintf(num, sizeof num, "%d", last_status);
	for (char *p = num; *p; p++)
		put_char(*p);
}

/* The next token from *pp; a word's text is appended to words[] and *word
 * points at it. */
static enum tok next_token(const char **pp, char **word)
{
	const char *p = *pp;
	while (*p == ' ' || *p == '\t')
		p++;
	enum tok t = T_WORD;
	switch (*p) {
	case '\0':
	case '#':
		t = T_END;
		break;
	case '|':
		t = T_PIPE, p++;
		break;
	case ';':
		t = T_SEMI, p++;
		break;
	case '<':
		t = T_IN, p++;
		break;
	case '>':
		p++;
		t = T_OUT;
		if (*p == '>')
			t = T_APPEND, p++;
		break;
	}
	if (t != T_WORD) {
		*pp = p;
		return t;
	}
	*word = words + words_len;
	while (*p && !strchr(" \t|;<>", *p)) {
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				put_char(*p);
			if (*p)
				p++;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (p[0] == '$' && p[1] == '?')
					put_status(), p++;
				else
					put_char(*p);
			}
			if (*p)
				p++;
		} else if (*p == '\\' && p[1]) {
			put_char(p[1]);
			p += 2;
		} else if (p[0] == '$' && p[1] == '?') {
			put_status();
			p += 2;
		} else {
			put_char(*p++);
		}
	}
	put_char('\0');
	*pp = p;
	return T_WORD;
}

/* Parse one pipeline; returns the number of commands, 0 for an empty one, or
 * -1 on a syntax error. *more says whether a ';' followed. */
static int parse_pipeline(const char **pp, struct command *cmds, int *more)
{
	int n = 0;
	struct command *c = &cmds[0];
	memset(c, 0, sizeof *c);
	*more = 0;
	for (;;) {
		char *w = NULL;
		enum tok t = next_token(pp, &w);
		if (t == T_WORD) {
			if (c->argc == MAX_WORDS)
				return -1;
			c->argv[c->argc++] = w;
			continue;
		}
		if (t == T_IN || t == T_OUT || t == T_APPEND) {
			if (next_token(pp, &w) != T_WORD)
				return -1;
			if (t == T_IN)
				c->in = w;
			else
				c->out = w, c->append = t == T_APPEND;
			continue;
		}
		if (c->argc == 0)  /* an empty command is fine only as an empty line */
			return t == T_END && n == 0 && !c->in && !c->out ? 0 : -1;
		n++;
		if (t == T_PIPE) {
			if (n == MAX_CMDS)
				return -1;
			c = &cmds[n];
			memset(c, 0, sizeof *c);
			continue;
		}
		*more = t == T_SEMI;
		return n;
	}
}

/* In the child: apply the redirections of c; exits on failure. */
static void redirect(const struct command *c)
{
	if (c->in) {
		int fd = open(c->in, O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "minish: %s: cannot open (%s)\n", c->in, errno_name(errno));
			_exit(1);
		}
		dup2(fd, 0);
		close(fd);
	}
	if (c->out) {
		int fd = open(c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC), 0644);
		if (fd < 0) {
			fprintf(stderr, "minish: %s: cannot open (%s)\n", c->out, errno_name(errno));
			_exit(1);
		}
		dup2(fd, 1);
		close(fd);
	}
}

/* exit's argument as a status (0..255, like sh's N & 255); 2 if not a number. */
static int exit_code(const char *s)
{
	int64_t v;
	return parse_i64(s, &v) ? (int)(v & 0xff) : 2;
}

static int builtin(struct command *c)
{
	if (strcmp(c->argv[0], "exit") == 0) {
		int code = last_status;
		if (c->argc > 1)
			code = exit_code(c->argv[1]);
		exit(code);
	}
	if (strcmp(c->argv[0], "cd") == 0) {
		const char *dir = c->argc > 1 ? c->argv[1] : "/";
		if (chdir(dir) != 0) {
			fprintf(stderr, "minish: cd: %s: %s\n", dir, errno_name(errno));
			last_status = 1;
		} else {
			last_status = 0;
		}
		return 1;
	}
	return 0;
}

static void run_pipeline(struct command *cmds, int n)
{
	if (n == 1 && builtin(&cmds[0]))
		return;
	pid_t pids[MAX_CMDS];
	int prev_read = -1;
	for (int i = 0; i < n; i++) {
		int fds[2] = {-1, -1};
		if (i < n - 1 && pipe(fds) != 0) {
			fprintf(stderr, "minish: pipe: %s\n", errno_name(errno));
			n = i;
			break;
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			if (prev_read >= 0) {
				dup2(prev_read, 0);
				close(prev_read);
			}
			if (fds[1] >= 0) {
				dup2(fds[1], 1);
				close(fds[1]);
				close(fds[0]);
			}
			redirect(&cmds[i]);
			execvp(cmds[i].argv[0], cmds[i].argv);
			int e = errno;
			if (e == ENOENT)
				fprintf(stderr, "minish: %s: not found\n", cmds[i].argv[0]);
			else
				fprintf(stderr, "minish: %s: %s\n", cmds[i].argv[0], errno_name(e));
			_exit(e == ENOENT ? 127 : 126);
		}
		if (prev_read >= 0)
			close(prev_read);
		if (fds[1] >= 0)
			close(fds[1]);
		prev_read = fds[0];
		if (pids[i] < 0) {
			fprintf(stderr, "minish: fork: %s\n", errno_name(errno));
			n = i;
			break;
		}
	}
	if (prev_read >= 0)
		close(prev_read);
	for (int i = 0; i < n; i++) {
		int status = 0;
		waitpid(pids[i], &status, 0);
		if (i == n - 1)
			last_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	}
}

/* Parse the whole line once, to refuse it before anything runs. */
static int syntax_ok(struct command *cmds)
{
	const char *p = line;
	int more = 1;
	while (more)
		if (parse_pipeline(&p, cmds, &more) < 0)
			return 0;
	return 1;
}

int main(void)
{
	static struct command cmds[MAX_CMDS];
	while (read_line()) {
		words_len = 0;
		if (!syntax_ok(cmds)) {
			fprintf(stderr, "minish: syntax error\n");
			last_status = 2;
			continue;
		}
		/* Again, one pipeline at a time: $? is expanded as each one starts. */
		const char *p = line;
		for (int more = 1; more;) {
			words_len = 0;
			int n = parse_pipeline(&p, cmds, &more);
			if (n > 0)
				run_pipeline(cmds, n);
		}
	}
	return last_status;
}
