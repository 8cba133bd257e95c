package jp.securetoken.soft;

import java.security.interfaces.ECKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.util.List;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;

/**
 * The NIST curves a TLS signature scheme names (P-256, P-384, P-521) as BouncyCastle's optimised
 * curve implementations, matched to a JCA key by its curve's coefficients, order, cofactor and
 * base point.
 */
final class EcCurves {
    private static final List<ECDomainParameters> CURVES = List.of(
            domain("secp256r1"), domain("secp384r1"), domain("secp521r1"));

    private EcCurves() {
    }

    /** The optimised domain of this key's curve, or {@code null} for any other curve. */
    static ECDomainParameters domain(ECKey key) {
        ECParameterSpec spec = key.getParams();
        ECPoint g = spec.getGenerator();
        for (ECDomainParameters d : CURVES) {
            if (d.getN().equals(spec.getOrder()) && d.getH().intValue() == spec.getCofactor()
                    && d.getCurve().getA().toBigInteger().equals(spec.getCurve().getA())
                    && d.getCurve().getB().toBigInteger().equals(spec.getCurve().getB())
                    && d.getG().getAffineXCoord().toBigInteger().equals(g.getAffineX())
                    && d.getG().getAffineYCoord().toBigInteger().equals(g.getAffineY())) {
                return d;
            }
        }
        return null;
    }

    private static ECDomainParameters domain(String name) {
        X9ECParameters p = CustomNamedCurves.getByName(name);
        return new ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH(), p.getSeed());
    }
}
