/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An intrusive doubly-linked list, as in systemd's list.h. */
#pragma once

#include <stddef.h>

#define EG_LIST_FIELDS(t, name) t *name##_next, *name##_prev

#define EG_LIST_PREPEND(name, head, item)                                                          \
        do {                                                                                       \
                __typeof__(*(head)) **_head = &(head), *_item = (item);                            \
                if ((_item->name##_next = *_head))                                                 \
                        _item->name##_next->name##_prev = _item;                                   \
                _item->name##_prev = NULL;                                                         \
                *_head = _item;                                                                    \
        } while (0)

#define EG_LIST_APPEND(name, head, item)                                                           \
        do {                                                                                       \
                __typeof__(*(head)) **_head = &(head), *_item = (item), *_tail = *_head;           \
                _item->name##_next = NULL;                                                         \
                if (!_tail) {                                                                      \
                        _item->name##_prev = NULL;                                                 \
                        *_head = _item;                                                            \
                } else {                                                                           \
                        while (_tail->name##_next)                                                 \
                                _tail = _tail->name##_next;                                        \
                        _tail->name##_next = _item;                                                \
                        _item->name##_prev = _tail;                                                \
                }                                                                                  \
        } while (0)

#define EG_LIST_REMOVE(name, head, item)                                                           \
        do {                                                                                       \
                __typeof__(*(head)) **_head = &(head), *_item = (item);                            \
                if (_item->name##_next)                                                            \
                        _item->name##_next->name##_prev = _item->name##_prev;                      \
                if (_item->name##_prev)                                                            \
                        _item->name##_prev->name##_next = _item->name##_next;                      \
                else                                                                               \
                        *_head = _item->name##_next;                                               \
                _item->name##_next = _item->name##_prev = NULL;                                    \
        } while (0)

#define EG_LIST_FOREACH(name, i, head) for ((i) = (head); (i); (i) = (i)->name##_next)

/* Safe against removal of the current item. */
#define EG_LIST_FOREACH_SAFE(name, i, n, head)                                                     \
        for ((i) = (head); (i) && (((n) = (i)->name##_next), 1); (i) = (n))
