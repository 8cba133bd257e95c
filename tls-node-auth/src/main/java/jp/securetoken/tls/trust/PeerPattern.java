package jp.securetoken.tls.trust;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * One entry of a peer allow-list: a glob ({@code *} matches any run of characters) over the
 * subject's common name, a subject DN attribute, or a DNS / URI subject alternative name.
 *
 * @param field  what the glob is matched against
 * @param glob   the pattern, case-insensitive, e.g. {@code clinic-*.region.example.jp}
 */
public record PeerPattern(Field field, String glob) {

    /** The certificate field a pattern looks at. */
    public enum Field {
        COMMON_NAME, ORGANIZATION, ORGANIZATIONAL_UNIT, DNS_NAME, URI
    }

    public static PeerPattern commonName(String glob) {
        return new PeerPattern(Field.COMMON_NAME, glob);
    }

    public static PeerPattern organization(String glob) {
        return new PeerPattern(Field.ORGANIZATION, glob);
    }

    public static PeerPattern organizationalUnit(String glob) {
        return new PeerPattern(Field.ORGANIZATIONAL_UNIT, glob);
    }

    public static PeerPattern dnsName(String glob) {
        return new PeerPattern(Field.DNS_NAME, glob);
    }

    public static PeerPattern uri(String glob) {
        return new PeerPattern(Field.URI, glob);
    }

    /** Whether the certificate has a value in this field that the glob matches. */
    public boolean matches(X509Certificate certificate) {
        Pattern regex = Pattern.compile(toRegex(glob), Pattern.CASE_INSENSITIVE);
        return values(certificate).stream().anyMatch(v -> regex.matcher(v).matches());
    }

    private List<String> values(X509Certificate certificate) {
        return switch (field) {
            case COMMON_NAME -> subjectAttribute(certificate, "CN");
            case ORGANIZATION -> subjectAttribute(certificate, "O");
            case ORGANIZATIONAL_UNIT -> subjectAttribute(certificate, "OU");
            case DNS_NAME -> altNames(certificate, 2);
            case URI -> altNames(certificate, 6);
        };
    }

    /** Values of one attribute type in the certificate's subject. */
    static List<String> subjectAttribute(X509Certificate certificate, String type) {
        try {
            LdapName name = new LdapName(certificate.getSubjectX500Principal().getName());
            return name.getRdns().stream().filter(r -> r.getType().equalsIgnoreCase(type))
                    .map(Rdn::getValue).map(Object::toString).toList();
        } catch (InvalidNameException e) {
            return List.of();
        }
    }

    static List<String> altNames(X509Certificate certificate, int type) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return List.of();
            }
            return names.stream().filter(n -> ((Integer) n.get(0)) == type).map(n -> n.get(1).toString()).toList();
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    private static String toRegex(String glob) {
        return Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
    }
}
