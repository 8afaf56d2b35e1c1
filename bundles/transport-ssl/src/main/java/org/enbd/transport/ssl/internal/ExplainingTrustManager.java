package org.enbd.transport.ssl.internal;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The CA trust check with a reason a user can act on. A PKIX path builder says "unable to find valid certification
 * path" for an expired certificate and for one of another CA alike; this names which: the certificate's subject,
 * and that it expired (when), is not valid yet, or was issued by someone other than the CA in ca-cert.pem.
 */
final class ExplainingTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private final List<X509Certificate> authorities;

    ExplainingTrustManager(X509ExtendedTrustManager delegate, List<X509Certificate> authorities) {
        this.delegate = delegate;
        this.authorities = List.copyOf(authorities);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw explained("client", chain, e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw explained("server", chain, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw explained("client", chain, e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw explained("server", chain, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType);
        } catch (CertificateException e) {
            throw explained("client", chain, e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw explained("server", chain, e);
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    private CertificateException explained(String side, X509Certificate[] chain, CertificateException cause) {
        if (chain == null || chain.length == 0) {
            return cause;
        }
        return new CertificateException("the " + side + " certificate " + chain[0].getSubjectX500Principal().getName()
                + " " + why(chain[0]) + " (" + cause.getMessage() + ")", cause);
    }

    /** What is wrong with {@code certificate}, as far as dates and issuer tell. */
    String why(X509Certificate certificate) {
        try {
            certificate.checkValidity(new Date());
        } catch (CertificateExpiredException e) {
            return "expired on " + certificate.getNotAfter().toInstant();
        } catch (CertificateNotYetValidException e) {
            return "is not valid before " + certificate.getNotBefore().toInstant();
        }
        for (X509Certificate authority : authorities) {
            if (authority.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
                try {
                    certificate.verify(authority.getPublicKey());
                } catch (java.security.GeneralSecurityException otherKey) {
                    return "was issued by a CA named " + authority.getSubjectX500Principal().getName()
                            + ", but not by the one in ca-cert.pem (another key)";
                }
                return "is not accepted although the CA in ca-cert.pem issued it (its key usage or purpose)";
            }
        }
        return "was issued by " + certificate.getIssuerX500Principal().getName() + ", not by the CA in ca-cert.pem";
    }
}
