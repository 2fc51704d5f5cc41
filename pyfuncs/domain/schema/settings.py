"""Paramètres: every setting of the workbook, its label, type, default and help, in
French and English."""
from __future__ import annotations

from decimal import Decimal

from pyfuncs.domain.schema.model import (
    BOOL,
    CHOICE,
    EMAIL,
    ID,
    INT,
    MONEY,
    RATE,
    Setting,
)

SETTINGS: tuple[Setting, ...] = (
    Setting("seller_name", "Raison sociale", "Company name", required=True,
            help_fr="Nom légal du vendeur, tel qu'au RCS."),
    Setting("seller_legal_form", "Forme juridique", "Legal form", default="SAS"),
    Setting("seller_capital", "Capital social", "Share capital", MONEY),
    Setting("seller_address", "Adresse", "Address", required=True),
    Setting("seller_postcode", "Code postal", "Postcode", required=True),
    Setting("seller_city", "Ville", "City", required=True),
    Setting("seller_country", "Pays (ISO)", "Country (ISO)", default="FR"),
    Setting("seller_siren", "SIREN", "SIREN", ID, required=True),
    Setting("seller_siret", "SIRET", "SIRET", ID),
    Setting("seller_vat", "N° TVA intracommunautaire", "VAT number", ID, required=True),
    Setting("seller_rcs", "RCS", "Trade register (RCS)"),
    Setting("seller_iban", "IBAN", "IBAN", ID),
    Setting("seller_bic", "BIC", "BIC", ID),
    Setting("seller_email", "Email", "Email", EMAIL),
    Setting("seller_phone", "Téléphone", "Phone"),
    Setting("seller_electronic_address", "Adresse électronique (facturation)",
            "Electronic invoicing address", help_fr="BT-34, ex. SIREN sur la plateforme."),
    Setting("seller_logo", "Logo (chemin du fichier)", "Logo (file path)"),
    Setting("vat_on_debits", "TVA sur les débits", "VAT on debits", BOOL, default="no",
            choices="yesno"),
    Setting("vat_franchise", "Franchise en base de TVA (art. 293 B du CGI)",
            "VAT exemption for small businesses (art. 293 B CGI)", BOOL, default="no",
            choices="yesno",
            help_fr="Oui : factures sans TVA, avec la mention « TVA non applicable, art. 293 B "
                    "du CGI ».",
            help_en="Yes: invoices without VAT, with the mention \"TVA non applicable, art. 293 "
                    "B du CGI\"."),
    Setting("operation_nature", "Nature des opérations", "Nature of the supplies", CHOICE,
            default="services", choices="nature",
            help_fr="Mention obligatoire (biens, services ou les deux) ; donne aussi le cadre de "
                    "facturation Factur-X (BT-23 : S1, B1, M1 ; S4… pour une facture de solde "
                    "après acompte).",
            help_en="A mandatory mention (goods, services or both); also gives the Factur-X "
                    "billing mode (BT-23: S1, B1, M1; S4... for a final invoice after deposits)."),
    Setting("invoice_series", "Série des factures", "Invoice series",
            default="FAC{YYYY}-{NNNN}",
            help_fr="{YYYY} année, {NNNN} numéro sur 4 chiffres. 35 caractères au plus, "
                    "A-Z a-z 0-9 + - _ / seulement."),
    Setting("credit_note_series", "Série des avoirs", "Credit note series",
            default="AV{YYYY}-{NNNN}"),
    Setting("deposit_series", "Série des acomptes", "Deposit series", default="FAC{YYYY}-{NNNN}",
            help_fr="Par défaut la série des factures : un acompte est une facture."),
    Setting("yearly_reset", "Numérotation remise à zéro chaque année", "Yearly reset", BOOL,
            default="yes", choices="yesno"),
    Setting("default_terms", "Conditions de paiement par défaut", "Default payment terms",
            CHOICE, default="30d", choices="terms"),
    Setting("eom_convention", "Calcul « fin de mois »", "End-of-month convention", CHOICE,
            default="days_then_eom", choices="eom_convention"),
    Setting("penalty_rate", "Taux de pénalités contractuel", "Contractual penalty rate", RATE,
            help_fr="Vide : taux BCE + 10 points (table Taux de pénalités)."),
    Setting("recovery_indemnity", "Indemnité forfaitaire de recouvrement",
            "Fixed recovery indemnity", MONEY, default=Decimal(40)),
    Setting("formal_notice_days", "Délai accordé par la mise en demeure (jours)",
            "Formal notice deadline (days)", INT, default=8,
            help_fr="Délai de paiement donné au client dans la mise en demeure (8 ou 15 j).",
            help_en="Time given to the client by the formal notice (8 or 15 days)."),
    Setting("early_payment_discount", "Escompte pour paiement anticipé",
            "Early payment discount",
            default="Pas d'escompte pour paiement anticipé."),
    Setting("leak_days", "Délai avant alerte « non facturé » (jours)",
            "Days before a billing leak is reported", INT, default=15,
            help_fr="Un devis livré, une échéance prête ou des temps validés d'un mois clos "
                    "non facturés après ce délai sont signalés (Contrôles, tableau de bord).",
            help_en="Delivered quotes, ready milestones and validated time of a closed month "
                    "still not invoiced after this many days are reported."),
    Setting("prorata", "Période incomplète d'un contrat", "Partial contract period", CHOICE,
            default="prorate", choices="prorata",
            help_fr="Première ou dernière période d'un contrat (début ou fin en cours de "
                    "période) : facturée au prorata des jours, ou en entier.",
            help_en="A contract's first or last period (starting or ending mid-period): "
                    "billed in proportion to its days, or in full."),
    Setting("aging_buckets", "Tranches de la balance âgée (jours)", "Aging buckets (days)",
            default="30,60,90"),
    Setting("language", "Langue", "Language", CHOICE, default="fr", choices="lang"),
    Setting("currency", "Devise", "Currency", default="EUR"),
    Setting("smtp_host", "Serveur SMTP", "SMTP host"),
    Setting("smtp_port", "Port SMTP", "SMTP port", INT, default=587),
    Setting("smtp_user", "Utilisateur SMTP", "SMTP user",
            help_fr="Le mot de passe n'est jamais dans le classeur : variable "
                    "d'environnement FACTURIER_SMTP_PASSWORD."),
    Setting("smtp_sender", "Expéditeur", "Sender", EMAIL),
    Setting("smtp_tls", "TLS", "TLS", BOOL, default="yes", choices="yesno"),
    Setting("statement_age_days", "Relevé bancaire : ancienneté maximale (jours)",
            "Bank statement: maximum age (days)", INT, default=7,
            help_fr="Préparer les relances avertit quand le dernier relevé importé est plus "
                    "ancien : des paiements reçus depuis ne sont pas encore comptés.",
            help_en="Preparing reminders warns when the last statement imported is older: "
                    "payments received since are not counted yet."),
    Setting("bank_tolerance", "Écart toléré au rapprochement (frais bancaires)",
            "Reconciliation tolerance (bank fees)", MONEY, default=Decimal("5.00"),
            help_fr="Un virement inférieur au reste dû d'au plus ce montant solde la facture ; "
                    "l'écart est enregistré à part dans Paiements.",
            help_en="A transfer short of the balance by at most this amount settles the "
                    "invoice; the gap is booked apart in Payments."),
    Setting("bank_csv_date", "Relevé CSV : colonne date", "CSV statement: date column",
            default="Date",
            help_fr="Chaque colonne du relevé CSV se nomme par son en-tête ; quand deux "
                    "colonnes portent le même (deux « Solde »), « Solde#1 » désigne la "
                    "première, « Solde#2 » la deuxième.",
            help_en="Each column of the CSV statement is named by its header; when two "
                    "columns share one (two \"Solde\"), \"Solde#1\" is the first, "
                    "\"Solde#2\" the second."),
    Setting("bank_csv_amount", "Relevé CSV : colonne montant", "CSV statement: amount column",
            default="Montant",
            help_fr="Montant signé ; à défaut la colonne crédit ci-dessous.",
            help_en="Signed amount; otherwise the credit column below."),
    Setting("bank_csv_credit", "Relevé CSV : colonne crédit", "CSV statement: credit column",
            default="Crédit"),
    Setting("bank_csv_label", "Relevé CSV : colonne libellé", "CSV statement: label column",
            default="Libellé"),
    Setting("bank_csv_reference", "Relevé CSV : colonne référence",
            "CSV statement: reference column", default="Référence"),
    Setting("bank_csv_payer", "Relevé CSV : colonne émetteur", "CSV statement: payer column",
            default="Tiers"),
    Setting("bank_csv_iban", "Relevé CSV : colonne IBAN", "CSV statement: IBAN column",
            default="IBAN"),
    Setting("bank_csv_decimal", "Relevé CSV : séparateur décimal",
            "CSV statement: decimal separator", default=","),
    Setting("bank_csv_date_format", "Relevé CSV : format de date",
            "CSV statement: date format", default="%d/%m/%Y",
            help_fr="Format Python : %d/%m/%Y pour 31/12/2026, %Y-%m-%d pour 2026-12-31.",
            help_en="Python format: %d/%m/%Y for 31/12/2026, %Y-%m-%d for 2026-12-31."),
    # the approved e-invoicing platform (docs/E-INVOICING.md); each overridden by the
    # environment (FACTURIER_PA_NAME, _URL, _TOKEN_URL, _CLIENT_ID); the secret never here
    Setting("pa_name", "Plateforme agréée", "Approved platform"),
    Setting("pa_url", "URL de l'API de la plateforme", "Platform API URL",
            help_fr="Base du Flow Service XP Z12-013 (sous laquelle est /v1/flows).",
            help_en="The XP Z12-013 Flow Service base (under which /v1/flows lies)."),
    Setting("pa_token_url", "URL du jeton (OAuth2)", "Token URL (OAuth2)"),
    Setting("pa_directory_url", "URL de l'annuaire de la plateforme",
            "Platform directory URL",
            help_fr="Base du Directory Service XP Z12-013 (sous laquelle est "
                    "/v1/directory-line) ; vide : l'URL de l'API ci-dessus.",
            help_en="The XP Z12-013 Directory Service base (under which /v1/directory-line "
                    "lies); empty: the API URL above."),
    Setting("pa_directory_days", "Validité d'une réponse de l'annuaire (jours)",
            "Days a directory answer is kept", INT, default=30,
            help_fr="L'adresse électronique d'un client trouvée dans l'annuaire sert ce "
                    "nombre de jours sans redemander ; un client absent est redemandé le "
                    "lendemain.",
            help_en="A client's electronic address found in the directory is used this many "
                    "days without asking again; a client not found is asked again the next "
                    "day."),
    Setting("pa_transmit_days", "Délai de transmission à la plateforme (jours)",
            "Days to transmit to the platform", INT, default=2,
            help_fr="Une pièce B2B émise depuis plus longtemps et pas transmise est signalée.",
            help_en="A B2B document issued longer ago and not transmitted is reported."),
    Setting("pa_client_id", "Identifiant client de la plateforme", "Platform client id",
            help_fr="Le secret n'est jamais dans le classeur : variable d'environnement "
                    "FACTURIER_PA_SECRET ou trousseau du système.",
            help_en="The secret is never in the workbook: FACTURIER_PA_SECRET or the "
                    "system keyring."),
    Setting("pa_registration", "Matricule de la plateforme", "Platform registration number",
            help_fr="4 caractères, donné par la plateforme : émetteur des fichiers "
                    "d'e-reporting.",
            help_en="4 characters, given by the platform: the sender of e-reporting files."),
    Setting("vat_regime", "Régime de TVA", "VAT regime", CHOICE, default="simplified",
            choices="vat_regime",
            help_fr="Donne le rythme de l'e-reporting (ventes à l'étranger et aux "
                    "particuliers, paiements) : décade, mois ou deux mois.",
            help_en="Sets the e-reporting cadence (sales abroad and to private persons, "
                    "payments): ten days, a month or two months."),
    Setting("journal_path", "Journal", "Journal",
            help_fr="Vide : NOM_DU_CLASSEUR.facturier-journal.sqlite à côté du classeur "
                    "(un poste). Un chemin : relatif au dossier du classeur. En équipe : "
                    "l'adresse PostgreSQL sans mot de passe, postgresql://UTILISATEUR@SERVEUR"
                    "/BASE (mot de passe : FACTURIER_JOURNAL_PASSWORD, ~/.pgpass ou le "
                    "trousseau). Registre des pièces émises : à sauvegarder.",
            help_en="Blank: WORKBOOK_NAME.facturier-journal.sqlite beside the workbook (one "
                    "PC). A path: relative to the workbook's folder. For a team: the "
                    "PostgreSQL URL without password, postgresql://USER@SERVER/DATABASE "
                    "(password: FACTURIER_JOURNAL_PASSWORD, ~/.pgpass or the keyring). The "
                    "register of issued documents: back it up."),
)

