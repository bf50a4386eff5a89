/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A shared object that is not a plugin: it exports something else. */
int not_a_plugin(void);

__attribute__((visibility("default"))) int not_a_plugin(void) {
        return 42;
}
