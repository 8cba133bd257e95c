package jp.securetoken.api;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The capabilities a secure token may offer for node authentication, as listed by the JAHIS Secure
 * Token Implementation Guide (node authentication, ver. 1.2, sections 7.2.2, 7.2.3 and 8.2.3), each
 * with the guide's Japanese name, and its requirement level and clause in each phase it belongs to.
 * Credential storage and token-entity authentication belong to both phases (Mandatory in each); the
 * others to one.
 */
public enum JahisCapability {
    CREDENTIAL_STORAGE("credential storage", "クレデンシャル保管機能",
            Level.MANDATORY, "a", Level.MANDATORY, "a"),
    ENTITY_AUTHENTICATION("token-entity authentication", "セキュアトークンとエンティティ間の認証機能",
            Level.MANDATORY, "b", Level.MANDATORY, "b"),
    SIGNATURE_GENERATION("signature generation with the private key", "秘密鍵を用いた署名生成機能",
            Level.CONDITIONAL, "c", null, null),
    USER_DATA_STORAGE("user data storage", "利用者データ保管機能", Level.OPTIONAL, "d", null, null),
    ISSUING_SERVER_AUTHENTICATION("issuing-server authentication", "発行サーバの認証機能",
            null, null, Level.MANDATORY, "c"),
    CREDENTIAL_WRITE_UPDATE("credential write / update", "クレデンシャルの書込み・更新機能",
            null, null, Level.MANDATORY, "d"),
    KEY_GENERATION("key generation", "鍵生成機能", null, null, Level.OPTIONAL, "e"),
    REMOTE_WRITE_UPDATE("remote write / update", "リモート書込み・更新機能", null, null, Level.CONDITIONAL, "f");

    /** JAHIS requirement level of a capability. */
    public enum Level {
        MANDATORY("M"), CONDITIONAL("C"), OPTIONAL("O");

        private final String letter;

        Level(String letter) {
            this.letter = letter;
        }

        /** The letter JAHIS tables use: M, C or O. */
        public String letter() {
            return letter;
        }
    }

    /** The two phases of JAHIS 7.2: normal use (7.2.2) and lifecycle management, i.e. issue and renewal (7.2.3). */
    public enum Phase {
        NORMAL_USE("normal use", "7.2.2"), LIFECYCLE("lifecycle", "7.2.3");

        private final String displayName;
        private final String section;

        Phase(String displayName, String section) {
            this.displayName = displayName;
            this.section = section;
        }

        public String displayName() {
            return displayName;
        }

        /** The guide's section listing the capabilities of this phase. */
        public String section() {
            return section;
        }
    }

    private final String displayName;
    private final String japaneseName;
    private final Level normalUse;
    private final String normalUseItem;
    private final Level lifecycle;
    private final String lifecycleItem;

    JahisCapability(String displayName, String japaneseName, Level normalUse, String normalUseItem, Level lifecycle,
            String lifecycleItem) {
        this.displayName = displayName;
        this.japaneseName = japaneseName;
        this.normalUse = normalUse;
        this.normalUseItem = normalUseItem;
        this.lifecycle = lifecycle;
        this.lifecycleItem = lifecycleItem;
    }

    public String displayName() {
        return displayName;
    }

    /** The name exactly as JAHIS section 7.2 writes it. */
    public String japaneseName() {
        return japaneseName;
    }

    /** The level in {@code phase}, or empty when the capability is not one of that phase. */
    public Optional<Level> level(Phase phase) {
        return Optional.ofNullable(phase == Phase.NORMAL_USE ? normalUse : lifecycle);
    }

    /** The phases whose capability lists name this capability. */
    public Set<Phase> phases() {
        EnumSet<Phase> phases = EnumSet.noneOf(Phase.class);
        for (Phase p : Phase.values()) {
            if (level(p).isPresent()) {
                phases.add(p);
            }
        }
        return phases;
    }

    /** The guide's clause for this capability in {@code phase}, e.g. {@code 7.2.3 c}; empty outside that phase. */
    public Optional<String> clause(Phase phase) {
        String item = phase == Phase.NORMAL_USE ? normalUseItem : lifecycleItem;
        return Optional.ofNullable(item).map(i -> phase.section() + " " + i);
    }

    /** Levels and clauses in one phrase, e.g. {@code M, lifecycle, 7.2.3 c}. */
    public String levels() {
        StringBuilder sb = new StringBuilder();
        for (Phase p : phases()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(level(p).orElseThrow().letter()).append(", ").append(p.displayName()).append(", ")
                    .append(clause(p).orElseThrow());
        }
        return sb.toString();
    }
}
