package jp.securetoken.cli;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;

import jp.securetoken.api.DeviceKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** A device's host key read from a PEM file ({@code --device-key}, {@code pin enrol-device-key --key}). */
final class DeviceKeys {
    private DeviceKeys() {
    }

    /**
     * The key pair of a PEM private key file (PKCS#8 {@code PRIVATE KEY} as {@code openssl genpkey}
     * writes it, or {@code RSA PRIVATE KEY}); an unreadable, encrypted or other file is exit 6.
     */
    static DeviceKey read(Path file) throws CliException {
        byte[] bytes = TokenAction.readInput(file, "device key file");
        try (PEMParser pem = new PEMParser(new StringReader(new String(bytes, StandardCharsets.US_ASCII)))) {
            Object o = pem.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            PrivateKey privateKey;
            PublicKey publicKey;
            if (o instanceof PEMKeyPair pair) {
                privateKey = converter.getPrivateKey(pair.getPrivateKeyInfo());
                publicKey = converter.getPublicKey(pair.getPublicKeyInfo());
            } else if (o instanceof PrivateKeyInfo info) {
                privateKey = converter.getPrivateKey(info);
                publicKey = publicOf(privateKey, file);
            } else {
                throw new CliException(ExitCode.BAD_INPUT, "the device key file " + file + " holds no unencrypted "
                        + "PEM private key (make one with: openssl genpkey -algorithm RSA -pkeyopt "
                        + "rsa_keygen_bits:3072 -out " + file.getFileName() + ")");
            }
            return DeviceKey.of(privateKey, publicKey);
        } catch (IOException | GeneralSecurityException e) {
            throw new CliException(ExitCode.BAD_INPUT, "the device key file " + file + " cannot be read as a PEM "
                    + "private key (" + e.getClass().getSimpleName() + ")", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static PublicKey publicOf(PrivateKey key, Path file) throws GeneralSecurityException, CliException {
        if (key instanceof RSAPrivateCrtKey rsa) {
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(),
                    rsa.getPublicExponent()));
        }
        throw new CliException(ExitCode.BAD_INPUT, "the device key file " + file + " holds "
                + (key.getAlgorithm().matches("[AEIOU].*") ? "an " : "a ") + key.getAlgorithm() + " key; a software token takes RSA device keys (their signatures unlock it)");
    }
}
