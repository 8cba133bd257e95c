package jp.securetoken.api;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One secure token: a card application, a PKCS#11 token or a software token file. It holds
 * credentials whose private keys never leave it, authenticates its user by PIN, and runs every
 * command sequence one at a time on its own queue, so it may be shared by many threads.
 *
 * <p>Operations the token lacks throw {@link CapabilityNotSupportedException} naming the JAHIS
 * capability. Close the token when done; closing logs out.
 */
public interface SecureToken extends AutoCloseable {

    TokenInfo info();

    /** The JAHIS capabilities this token offers. */
    TokenCapabilities capabilities();

    /** The signature schemes this token can compute with keys of the right type. */
    Set<SignatureScheme> signatureSchemes();

    /** The PIN's state, read without spending a try. */
    PinStatus pinStatus(PinRole role) throws TokenException;

    /**
     * Logs the user in (JAHIS entity authentication). The PIN array the callback returns is wiped.
     *
     * @throws PinIncorrectException with the tries left
     * @throws PinLockedException    without trying the PIN
     * @throws PinFormatException    when the PIN has the wrong form (no try spent)
     */
    void login(PinCallback pin) throws TokenException;

    /** Ends the authenticated session; key operations need a new login afterwards. */
    void logout() throws TokenException;

    boolean isLoggedIn();

    /** Changes a PIN after checking the current one. Both arrays are wiped. */
    void changePin(PinRole role, PinCallback currentPin, PinCallback newPin) throws TokenException;

    /**
     * Unlocks and resets the user PIN with the administrator PIN.
     *
     * @throws OperationNotSupportedException where the token cannot (a My Number Card is reset only at a municipal office)
     */
    void unlockUserPin(PinCallback administratorPin, PinCallback newUserPin) throws TokenException;

    /** The credentials present. Certificates are readable without login where the token allows it. */
    List<Credential> credentials() throws TokenException;

    /** The credential with this alias. */
    default Credential credential(String alias) throws TokenException {
        for (Credential c : credentials()) {
            if (c.alias().equals(alias)) {
                return c;
            }
        }
        throw new CredentialNotFoundException(alias, info().label());
    }

    /**
     * The objects the token shows now, for a person inspecting it: without login only its public
     * objects (certificates, public keys, data), after login its private objects too. Never key
     * material.
     *
     * @throws OperationNotSupportedException where the token cannot list its objects
     */
    default List<TokenObject> objects() throws TokenException {
        throw new OperationNotSupportedException("Listing the objects of token " + info().label(),
                "this kind of token shows its contents only as credentials");
    }

    /**
     * Facts about the device for a person to read, in display order: name → values, e.g.
     * {@code mechanisms} or {@code token flags} of a PKCS#11 token. Empty where the kind of token
     * has nothing beyond {@link #info()}, its capabilities and schemes. Readable without login.
     */
    default Map<String, List<String>> deviceDetails() throws TokenException {
        return Map.of();
    }

    /** The token's user data records (JAHIS optional capability). */
    UserDataStore userData() throws CapabilityNotSupportedException;

    /** Key generation, requests and credential writes (JAHIS lifecycle capabilities). */
    CredentialLifecycle lifecycle() throws CapabilityNotSupportedException;

    /** Logs out and releases the token; later calls fail with {@link TokenClosedException}. */
    @Override
    void close();
}
