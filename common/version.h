/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* version.h - the lchat release, shown by --version and in HELLO. */
#ifndef LCHAT_VERSION_H
#define LCHAT_VERSION_H
#define LCHAT_VERSION "0.1.0"
#endif
