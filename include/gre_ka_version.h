/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The version of gre_ka: of the module (MODULE_VERSION), of the gre-ka
 * command (gre-ka --version) and of the Debian packages. dkms.conf and
 * debian/changelog repeat it because their formats cannot include it;
 * `make version-check` fails when they differ.
 */
#ifndef _GRE_KA_VERSION_H
#define _GRE_KA_VERSION_H

#define GRE_KA_VERSION	"0.1.0"

#endif /* _GRE_KA_VERSION_H */
