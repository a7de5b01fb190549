/*
 * An epoll event loop: file descriptors, timers, and work deferred to the
 * loop's thread from any other. One loop serves one thread (the console's
 * main thread, a device's I/O thread, a network stack, a display or API
 * server); everything it calls runs on that thread.
 */
#ifndef VESSEL_CORE_EVENT_LOOP_H
#define VESSEL_CORE_EVENT_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct event_loop;
struct event_watch;
struct event_timer;

/* @events: the EPOLL* bits that fired. */
typedef void (*event_fd_fn)(void *arg, uint32_t events);
typedef void (*event_fn)(void *arg);

struct event_loop *event_loop_create(void);
/* Stops the loop's thread if it has one; watches and timers are freed. */
void event_loop_destroy(struct event_loop *l);

/*
 * Call @fn on the loop's thread while @fd has @events (EPOLLIN, EPOLLOUT).
 * Returns NULL with errno set: EPERM for a regular file, which epoll cannot
 * wait on (it is always ready: the caller reads it directly).
 */
struct event_watch *event_loop_add_fd(struct event_loop *l, int fd, uint32_t events,
				      event_fd_fn fn, void *arg);
int event_watch_modify(struct event_watch *w, uint32_t events);
/* From the loop's thread (a callback may remove any watch, its own included). */
void event_watch_remove(struct event_watch *w);

/* A timer on CLOCK_MONOTONIC; unarmed until event_timer_arm. */
struct event_timer *event_loop_add_timer(struct event_loop *l, event_fn fn, void *arg);
/* Fire once after @delay_ns (0 disarms), then every @interval_ns if non-zero. */
int event_timer_arm(struct event_timer *t, uint64_t delay_ns, uint64_t interval_ns);
void event_timer_remove(struct event_timer *t);

/* Run @fn on the loop's thread soon; safe from any thread. */
int event_loop_defer(struct event_loop *l, event_fn fn, void *arg);

/* Wait up to @timeout_ms (-1: forever) and dispatch what fired; -1 on error. */
int event_loop_run_once(struct event_loop *l, int timeout_ms);
/* Dispatch until event_loop_stop; 0, or -1 if epoll failed. */
int event_loop_run(struct event_loop *l);
/* Make event_loop_run return; safe from any thread, and from callbacks. */
void event_loop_stop(struct event_loop *l);
bool event_loop_stopping(const struct event_loop *l);

/* event_loop_run on a thread of its own, named @name; event_loop_destroy joins it. */
int event_loop_start_thread(struct event_loop *l, const char *name);

/*
 * Split run_once for a caller that acts between the wait and the dispatch (an
 * I/O thread sizing its poll window): wait fills the loop's ready list.
 */
int event_loop_wait(struct event_loop *l, int timeout_ms);
void event_loop_dispatch(struct event_loop *l);

#endif
