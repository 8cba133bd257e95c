package jp.securetoken.api;

import java.net.URI;

/**
 * What identifies a token to a person and to software (PKCS#11 C_GetTokenInfo's core fields).
 *
 * @param uri          the address that opens this token again
 * @param label        the token's label
 * @param manufacturer who made it (or the software that implements it)
 * @param model        the token type, e.g. {@code JPKI user authentication}
 * @param serialNumber the token's serial number, or empty where it has none
 */
public record TokenInfo(URI uri, String label, String manufacturer, String model, String serialNumber) {
}
