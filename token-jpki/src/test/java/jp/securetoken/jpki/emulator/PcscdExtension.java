package jp.securetoken.jpki.emulator;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the tests' own {@link Pcscd} once for the whole test run and stops it at the end. Once:
 * {@code javax.smartcardio} keeps its PC/SC context for the life of the JVM, and a restarted pcscd
 * would invalidate it.
 */
public final class PcscdExtension implements BeforeAllCallback, org.junit.jupiter.api.extension.ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Pcscd.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Pcscd.class, k -> Pcscd.start(), Pcscd.class);
    }

    /** Hands a test its running {@link Pcscd} (to restart it). */
    @Override
    public boolean supportsParameter(org.junit.jupiter.api.extension.ParameterContext parameter,
            ExtensionContext context) {
        return parameter.getParameter().getType() == Pcscd.class;
    }

    @Override
    public Object resolveParameter(org.junit.jupiter.api.extension.ParameterContext parameter,
            ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Pcscd.class, k -> Pcscd.start(),
                Pcscd.class);
    }
}
