/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An intrusive doubly-linked list, as in systemd's list.h. */
#pragma once

#include <stddef.h>

#define EG_LIST_FIELDS(t, name) t *name##_next, *name##_prev

/*
 * The head's prev points at the tail (every other item's at its predecessor),
 * so appending does not walk the list: queues of a busy gate (plugin timers,
 * posted events, pending announcements) hold hundreds of items.  Only these
 * macros read the links.  An item must be in the list it is removed from.
 */
#define EG_LIST_PREPEND(name, head, item)                                                          \
        do {                                                                                       \
                __typeof__(*(head)) **_head = &(head), *_item = (item), *_first = *_head;          \
                _item->name##_next = _first;                                                       \
                if (_first) {                                                                      \
                        _item->name##_prev = _first->name##_prev;                                  \
                        _first->name##_prev = _item;                                               \
                } else                                                                             \
                        _item->name##_prev = _item;                                                \
                *_head = _item;                                                                    \
        } while (0)

#define EG_LIST_APPEND(name, head, item)                                                           \
        do {                                                                                       \
                __typeof__(*(head)) **_head = &(head), *_item = (item), *_first = *_head;          \
                _item->name##_next = NULL;                                                         \
                if (_first) {                                                                      \
                        _item->name##_prev = _first->name##_prev;                                  \
                        _first->name##_prev->name##_next = _item;                                  \
                        _first->name##_prev = _item;                                               \
                } else {                                                                           \
                        _item->name##_prev = _item;                                                \
                        *_head = _item;                                                            \
                }                                                                                  \
        } while (0)

#define EG_LIST_REMOVE(name, head, item)                                                           \
        do {                                                                                       \
                __typeof__(*(head)) **_head = &(head), *_item = (item), *_first = *_head;          \
                if (_item == _first) {                                                             \
                        *_head = _item->name##_next;                                               \
                        if (_item->name##_next)                                                    \
                                _item->name##_next->name##_prev = _item->name##_prev;              \
                } else {                                                                           \
                        _item->name##_prev->name##_next = _item->name##_next;                      \
                        if (_item->name##_next)                                                    \
                                _item->name##_next->name##_prev = _item->name##_prev;              \
                        else                                                                       \
                                _first->name##_prev = _item->name##_prev;                          \
                }                                                                                  \
                _item->name##_next = _item->name##_prev = NULL;                                    \
        } while (0)

#define EG_LIST_FOREACH(name, i, head) for ((i) = (head); (i); (i) = (i)->name##_next)

/* Safe against removal of the current item. */
#define EG_LIST_FOREACH_SAFE(name, i, n, head)                                                     \
        for ((i) = (head); (i) && (((n) = (i)->name##_next), 1); (i) = (n))
