package dev.kiln.http;

import dev.kiln.KilnException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/** Loads a PEM certificate chain and private key (PKCS#8, PKCS#1 RSA or SEC1 EC) into a key store. */
public final class Tls {

    public static final String KEY_STORE_PASSWORD = "kiln";

    private Tls() {
    }

    /**
     * Signs a probe with the key and verifies it with the certificate, so a key that belongs to
     * another certificate fails at start instead of breaking every handshake.
     */
    private static void checkKeyMatches(PrivateKey key, Certificate cert, Path certFile, Path keyFile)
            throws java.security.GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        byte[] probe = "kiln-tls-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        boolean matches;
        try {
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (java.security.InvalidKeyException | java.security.SignatureException e) {
            matches = false;
        }
        if (!matches) {
            throw new KilnException("TLS key " + keyFile + " does not belong to the certificate " + certFile
                    + "; give the key that was issued with the certificate");
        }
    }

    public static KeyStore keyStore(Path certFile, Path keyFile) {
        try {
            List<Certificate> chain = new ArrayList<>();
            try (Reader reader = Files.newBufferedReader(certFile); PEMParser parser = new PEMParser(reader)) {
                Object item;
                while ((item = parser.readObject()) != null) {
                    if (item instanceof X509CertificateHolder holder) {
                        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
                        chain.add(cert);
                    }
                }
            }
            if (chain.isEmpty()) {
                throw new KilnException("TLS certificate file " + certFile + " contains no PEM certificate");
            }
            PrivateKey key;
            try (Reader reader = Files.newBufferedReader(keyFile); PEMParser parser = new PEMParser(reader)) {
                Object item = parser.readObject();
                JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
                if (item instanceof PEMKeyPair pair) {
                    key = converter.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (item instanceof PrivateKeyInfo info) {
                    key = converter.getPrivateKey(info);
                } else {
                    throw new KilnException("TLS key file " + keyFile + " contains no unencrypted PEM private key");
                }
            }
            checkKeyMatches(key, chain.get(0), certFile, keyFile);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("kiln", key, KEY_STORE_PASSWORD.toCharArray(), chain.toArray(Certificate[]::new));
            return store;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new KilnException("TLS certificate " + certFile + " or key " + keyFile + " could not be loaded: " + e.getMessage(), e);
        }
    }
}
