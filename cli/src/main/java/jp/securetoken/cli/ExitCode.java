package jp.securetoken.cli;

import jp.securetoken.api.CredentialMismatchException;
import jp.securetoken.api.CredentialNotFoundException;
import jp.securetoken.api.InvalidCertificateException;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.TokenCorruptException;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenRemovedException;
import jp.securetoken.api.TokenUriException;
import jp.securetoken.api.UnsupportedSignatureSchemeException;
import jp.securetoken.api.UserDataLimitException;
import jp.securetoken.remote.AuthorizationExpiredException;
import jp.securetoken.remote.CredentialUnavailableException;
import jp.securetoken.remote.OneTimePasswordRejectedException;
import jp.securetoken.remote.SigningServiceUnreachableException;
import jp.securetoken.remote.SigningServiceUntrustedException;
import jp.securetoken.tls.trust.PeerRejectedException;

/**
 * The exit codes of {@code nodeauth}, and the one place that maps an error to its code. Scripts
 * branch on these, so a code never changes meaning.
 */
enum ExitCode {
    OK(0, "success"),
    FAILURE(1, "other failure (storage, device, busy token, unsupported operation)"),
    USAGE(2, "usage error (unknown command or option, missing or malformed argument)"),
    AUTHENTICATION(3, "PIN/authentication failure (incorrect, locked, form, not given, login)"),
    TOKEN_ABSENT(4, "token absent (no token there, removed, bad or unknown address)"),
    PEER_REJECTED(5, "TLS peer rejected (verify; the connection commands); token info --ca-pin not matched"),
    BAD_INPUT(6, "bad input (certificate, key/chain mismatch, corrupt token, alias, limits)");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    int code() {
        return code;
    }

    String meaning() {
        return meaning;
    }

    /** The code for an error that ended a command. */
    static ExitCode of(Throwable error) {
        if (error instanceof CliException cli) {
            return cli.exitCode();
        }
        if (error instanceof PeerRejectedException || error instanceof SigningServiceUntrustedException) {
            return PEER_REJECTED;
        }
        if (error instanceof PinIncorrectException || error instanceof PinLockedException
                || error instanceof PinFormatException || error instanceof PinEntryCancelledException
                || error instanceof LoginRequiredException || error instanceof AuthorizationExpiredException
                || error instanceof OneTimePasswordRejectedException
                || error instanceof jp.securetoken.api.DeviceKeyRejectedException) {
            return AUTHENTICATION;
        }
        if (error instanceof TokenNotPresentException || error instanceof TokenRemovedException
                || error instanceof TokenUriException || error instanceof SigningServiceUnreachableException) {
            return TOKEN_ABSENT;
        }
        if (error instanceof InvalidCertificateException || error instanceof CredentialMismatchException
                || error instanceof TokenCorruptException || error instanceof UserDataLimitException
                || error instanceof CredentialNotFoundException || error instanceof CredentialUnavailableException
                || error instanceof UnsupportedSignatureSchemeException) {
            return BAD_INPUT;
        }
        return FAILURE;
    }

    /** The table printed in the footer of {@code nodeauth --help}. */
    static String[] footer() {
        ExitCode[] all = values();
        String[] lines = new String[all.length + 1];
        lines[0] = "%nExit codes:";
        for (int i = 0; i < all.length; i++) {
            lines[i + 1] = "  " + all[i].code + "  " + all[i].meaning;
        }
        return lines;
    }
}
