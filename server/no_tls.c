/* Stand-ins for the GnuTLS symbols that libmicrohttpd's static archive names.
 *
 * Debian's libmicrohttpd is built with HTTPS, so its shared library pulls in
 * GnuTLS and eight more libraries (p11-kit, nettle, gmp, libunistring, ...).
 * Loading and relocating them and running GnuTLS's constructor took about
 * 5 ms of every start, a third of a start with the bundled fixtures
 * (docs/PERFORMANCE.md). dify-mock never asks for TLS (no MHD_USE_TLS), so
 * libmicrohttpd only calls GnuTLS to initialise and finalise the library; the
 * meson build links the static archive with these stand-ins instead, after
 * checking at configure time that they cover every symbol the archive needs
 * (meson.build; otherwise it links the shared library as before).
 *
 * gnutls_global_init/deinit succeed and do nothing; anything else would mean
 * libmicrohttpd started a TLS session, which cannot happen here: it stops the
 * process loudly rather than pretend. */
#include <stdio.h>
#include <stdlib.h>

/* Declared here only: this file must not include GnuTLS's headers (the
 * build does not depend on them), and nothing else calls these. Hidden: a
 * program that also loads the real GnuTLS (the tests, through libcurl) must
 * not have these interpose on it. */
#define NO_TLS_HIDDEN __attribute__((visibility("hidden")))
NO_TLS_HIDDEN int gnutls_global_init(void);
NO_TLS_HIDDEN void gnutls_global_deinit(void);

int gnutls_global_init(void)
{
	return 0; /* GNUTLS_E_SUCCESS */
}

void gnutls_global_deinit(void)
{
}

/* A variable in GnuTLS (gnutls_alloc_function gnutls_malloc), read by
 * libmicrohttpd's pre-shared-key callback only. */
NO_TLS_HIDDEN void *(*gnutls_malloc)(size_t) = malloc;

static _Noreturn void no_tls(const char *name)
{
	fprintf(stderr, "dify-mock: libmicrohttpd called %s, but this build has no TLS\n", name);
	abort();
}

#define NO_TLS(name)                                                                                         \
	NO_TLS_HIDDEN void name(void);                                                                       \
	void name(void)                                                                                      \
	{                                                                                                    \
		no_tls(#name);                                                                               \
	}

NO_TLS(gnutls_alpn_set_protocols)
NO_TLS(gnutls_bye)
NO_TLS(gnutls_certificate_allocate_credentials)
NO_TLS(gnutls_certificate_free_credentials)
NO_TLS(gnutls_certificate_server_set_request)
NO_TLS(gnutls_certificate_set_dh_params)
NO_TLS(gnutls_certificate_set_retrieve_function2)
NO_TLS(gnutls_certificate_set_retrieve_function3)
NO_TLS(gnutls_certificate_set_x509_key_mem)
NO_TLS(gnutls_certificate_set_x509_key_mem2)
NO_TLS(gnutls_certificate_set_x509_trust_mem)
NO_TLS(gnutls_cipher_get)
NO_TLS(gnutls_credentials_set)
NO_TLS(gnutls_deinit)
NO_TLS(gnutls_dh_params_deinit)
NO_TLS(gnutls_dh_params_import_pkcs3)
NO_TLS(gnutls_dh_params_init)
NO_TLS(gnutls_handshake)
NO_TLS(gnutls_init)
NO_TLS(gnutls_priority_deinit)
NO_TLS(gnutls_priority_init)
NO_TLS(gnutls_priority_set)
NO_TLS(gnutls_protocol_get_version)
NO_TLS(gnutls_psk_allocate_server_credentials)
NO_TLS(gnutls_psk_free_server_credentials)
NO_TLS(gnutls_psk_set_server_credentials_function)
NO_TLS(gnutls_record_check_pending)
NO_TLS(gnutls_record_get_direction)
NO_TLS(gnutls_record_recv)
NO_TLS(gnutls_record_send)
NO_TLS(gnutls_session_get_ptr)
NO_TLS(gnutls_session_set_ptr)
NO_TLS(gnutls_strerror)
NO_TLS(gnutls_transport_set_int2)
