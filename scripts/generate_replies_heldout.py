# ruff: noqa: E501  (this file is mostly hand-written sentences)
"""Compose the FRESH held-out set of customer replies (EN/FR/DE) for the reply classifier.

Writes ``tests_engine/data/replies_heldout_fresh.csv``
(text,language,label,category,promise_date,as_of). The sentences, greetings and
closings below were written for this set only, apart from the training
templates of ``scripts/generate_replies.py`` (never copied into them), with
another seed and another reply date. The set is frozen: it was written before
the classifier was tuned, and only its figures were read (never its errors)
while tuning on the training set. Run from the repo root::

    /opt/odoo18/venv/bin/python scripts/generate_replies_heldout.py
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path

# Month names are data, not wording: shared with the training generator.
from generate_replies import MONTHS

OUT = Path(__file__).resolve().parent.parent / "tests_engine" / "data" / "replies_heldout_fresh.csv"
AS_OF = date(2026, 12, 8)  # a Tuesday
SEED = 90417
RENDERINGS = 2  # each sentence twice, with other names, numbers, dates and wrappers

NAMES = [
    "Priya Natarajan",
    "Jonas Lindqvist",
    "Camille Fabre",
    "Dieter Hoffmann",
    "Ines Carvalho",
    "Yusuf Demir",
    "Aurélie Morel",
    "Katrin Vogel",
    "Owen Gallagher",
    "Marta Nowak",
]
GREETINGS = {
    "en": ["Hi,", "Hello {first},", "Good afternoon,", "Dear credit control team,", ""],
    "fr": ["Bonjour,", "Bonjour Madame, Monsieur,", "Bonsoir,", "Chère équipe comptable,", ""],
    "de": [
        "Hallo,",
        "Guten Morgen,",
        "Sehr geehrte Damen und Herren,",
        "Liebes Buchhaltungsteam,",
        "",
    ],
}
CLOSINGS = {
    "en": [
        "Thanks,\n{name}",
        "Regards,\n{name}\nAccounts Payable",
        "Cheers, {first}",
        "Best wishes",
        "",
    ],
    "fr": [
        "Merci,\n{name}",
        "Bien à vous,\n{name}",
        "Salutations distinguées,\n{name}\nService fournisseurs",
        "Bonne journée",
        "",
    ],
    "de": [
        "Danke,\n{name}",
        "Viele Grüße\n{name}",
        "Mit besten Grüßen\n{name}\nKreditorenbuchhaltung",
        "Schönen Tag noch",
        "",
    ],
}

# (label, category, sentence). {inv} an invoice number, {amt} an amount,
# {fdate} a date to come (the promised date of a promise), {pdate} a past date.
SENTENCES = {
    "en": [
        (
            "promise",
            "none",
            "Our finance director signed off the payment run; {inv} goes out on {fdate}.",
        ),
        ("promise", "none", "I've queued {amt} for {fdate}, that is the earliest our cash allows."),
        (
            "promise",
            "none",
            "Sorry this slipped through. Expect the full balance by {fdate} at the latest.",
        ),
        (
            "promise",
            "none",
            "We can clear {inv} in two halves: the first on {fdate}, the rest two weeks later.",
        ),
        (
            "promise",
            "none",
            "Payment for {inv} is approved and will be released with Friday's batch.",
        ),
        (
            "promise",
            "none",
            "We intend to settle the outstanding amount early next week, you have my word.",
        ),
        (
            "promise",
            "none",
            "The funds should be with you by {fdate}, I'll send confirmation once it's processed.",
        ),
        ("promise", "none", "Once our customer pays us on Monday we will pay {inv} the same day."),
        (
            "paid",
            "none",
            "This one was settled on {pdate}, reference {inv}. Could you check your bank account?",
        ),
        ("paid", "none", "Our bank confirms the wire of {amt} left on {pdate}."),
        (
            "paid",
            "none",
            "I paid it yesterday by card through your payment page; the receipt is attached.",
        ),
        (
            "paid",
            "none",
            "We transferred the money last Thursday, it may simply not have been matched yet.",
        ),
        (
            "paid",
            "none",
            "Payment was made on {pdate}. Please find the remittance advice attached.",
        ),
        ("paid", "none", "The cheque for {inv} was posted to you on {pdate}."),
        ("paid", "none", "Already taken care of: the transfer was executed this morning."),
        ("paid", "none", "We settled all open items in one payment of {amt} on {pdate}."),
        (
            "dispute",
            "pricing",
            "The unit price on {inv} is higher than the quote we accepted, so we are holding payment.",
        ),
        (
            "dispute",
            "goods_damaged",
            "Half of the delivery arrived crushed, photos attached. We won't pay for broken goods.",
        ),
        (
            "dispute",
            "goods_not_received",
            "We never got these items; our warehouse has no record of the shipment for {inv}.",
        ),
        (
            "dispute",
            "service_quality",
            "The installation was left unfinished and your technician never came back. We contest {inv}.",
        ),
        (
            "dispute",
            "billing_error",
            "You charged us for 40 hours but the timesheets show 25. Please correct {inv}.",
        ),
        (
            "dispute",
            "duplicate_invoice",
            "{inv} bills the same order as an invoice we paid last month. It's a duplicate.",
        ),
        (
            "dispute",
            "financial_hardship",
            "We lost our main contract and cannot pay anything right now. Can we discuss instalments?",
        ),
        (
            "dispute",
            "billing_error",
            "The VAT rate applied on {inv} is wrong; we won't pay until you reissue it.",
        ),
        ("request", "none", "Can you send me a statement of all our open items with you?"),
        ("request", "none", "Please resend {inv} as a PDF, the attachment would not open."),
        (
            "request",
            "none",
            "Could you update our billing address to the new office before we pay?",
        ),
        ("request", "none", "Which bank account should we use? We'd like your IBAN on letterhead."),
        (
            "request",
            "none",
            "Would you please add our cost centre 4410 to the invoice and send it again?",
        ),
        (
            "request",
            "none",
            "Who should I contact about setting up direct debit for future invoices?",
        ),
        (
            "request",
            "none",
            "Please send a copy of the delivery note for {inv}, our auditors ask for it.",
        ),
        (
            "request",
            "none",
            "Can you tell me the exact amount still due on our account, including fees?",
        ),
        (
            "autoreply",
            "none",
            "I'm on leave until {fdate} without access to email. Your message will be read on my return.",
        ),
        (
            "autoreply",
            "none",
            "Thank you for your message. This mailbox is not monitored over the holidays.",
        ),
        (
            "autoreply",
            "none",
            "Auto-reply: I am travelling this week and will respond as soon as I can.",
        ),
        (
            "autoreply",
            "none",
            "Out of office until Monday. For invoices please write to ap@{domain}.",
        ),
        (
            "autoreply",
            "none",
            "Your email has been received and a ticket has been created. We'll get back to you within 3 working days.",
        ),
        (
            "autoreply",
            "none",
            "I am currently on parental leave. Please redirect your request to my colleague {first2}.",
        ),
        ("other", "none", "Thanks for the nice lunch last week, let's do it again in January."),
        ("other", "none", "By the way, do you have a new catalogue for next year?"),
        ("other", "none", "Merry Christmas to the whole team from all of us!"),
        ("other", "none", "We are moving offices on the 15th; our phone numbers stay the same."),
        ("other", "none", "Please take me off your newsletter list."),
        ("other", "none", "Is the trade fair booth still available for our joint demo?"),
        ("other", "none", "Noted, thanks. I'll forward this to the person in charge."),
        ("other", "none", "Congratulations on the new website, it looks great."),
    ],
    "fr": [
        (
            "promise",
            "none",
            "Le virement de {amt} sera lancé le {fdate}, notre trésorerie l'a validé.",
        ),
        ("promise", "none", "Nous réglerons la facture {inv} d'ici le {fdate} au plus tard."),
        (
            "promise",
            "none",
            "Désolés pour ce retard : le paiement partira avec notre prochaine échéance, vendredi.",
        ),
        (
            "promise",
            "none",
            "Je m'engage à vous payer la moitié le {fdate} et le solde fin du mois.",
        ),
        (
            "promise",
            "none",
            "La facture {inv} est validée en comptabilité, vous serez payés la semaine prochaine.",
        ),
        (
            "promise",
            "none",
            "Vous recevrez les fonds le {fdate}, je vous enverrai l'avis de virement.",
        ),
        (
            "promise",
            "none",
            "Dès que notre client nous aura payés lundi, nous vous réglerons {inv}.",
        ),
        ("promise", "none", "Le paiement est programmé pour le {fdate}."),
        ("paid", "none", "Cette facture a été payée le {pdate} par virement, référence {inv}."),
        ("paid", "none", "Notre banque confirme que le virement de {amt} est parti le {pdate}."),
        (
            "paid",
            "none",
            "J'ai réglé hier par carte sur votre site, vous trouverez le reçu en pièce jointe.",
        ),
        (
            "paid",
            "none",
            "Nous avons fait le virement jeudi dernier, il n'est peut-être pas encore rapproché.",
        ),
        ("paid", "none", "Le règlement a été effectué le {pdate}, ci-joint l'avis de paiement."),
        ("paid", "none", "Le chèque pour la facture {inv} vous a été envoyé le {pdate}."),
        ("paid", "none", "C'est déjà fait : le virement est parti ce matin."),
        (
            "paid",
            "none",
            "Nous avons soldé toutes les factures ouvertes en un seul paiement de {amt} le {pdate}.",
        ),
        (
            "dispute",
            "pricing",
            "Le prix unitaire de la facture {inv} ne correspond pas au devis signé, nous bloquons le paiement.",
        ),
        (
            "dispute",
            "goods_damaged",
            "La moitié des colis est arrivée écrasée, photos à l'appui. Nous ne paierons pas la marchandise abîmée.",
        ),
        (
            "dispute",
            "goods_not_received",
            "Nous n'avons jamais reçu ces articles ; notre entrepôt n'a aucune trace de la livraison.",
        ),
        (
            "dispute",
            "service_quality",
            "L'intervention n'a pas été terminée et le technicien n'est jamais revenu. Nous contestons {inv}.",
        ),
        (
            "dispute",
            "billing_error",
            "Vous nous facturez 40 heures alors que les feuilles de temps en indiquent 25. Merci de corriger.",
        ),
        (
            "dispute",
            "duplicate_invoice",
            "La facture {inv} reprend la même commande qu'une facture déjà payée le mois dernier : c'est un doublon.",
        ),
        (
            "dispute",
            "financial_hardship",
            "Nous sommes en redressement judiciaire et ne pouvons rien payer pour l'instant. Peut-on étaler la dette ?",
        ),
        (
            "dispute",
            "billing_error",
            "Le taux de TVA appliqué sur {inv} est faux, nous ne paierons pas avant une facture rectifiée.",
        ),
        (
            "request",
            "none",
            "Pouvez-vous m'envoyer un relevé de toutes nos factures ouvertes chez vous ?",
        ),
        (
            "request",
            "none",
            "Merci de renvoyer la facture {inv} en PDF, la pièce jointe ne s'ouvre pas.",
        ),
        (
            "request",
            "none",
            "Pourriez-vous mettre à jour notre adresse de facturation avant que nous payions ?",
        ),
        (
            "request",
            "none",
            "Quel compte bancaire devons-nous utiliser ? Merci de nous transmettre votre RIB.",
        ),
        (
            "request",
            "none",
            "Pourriez-vous ajouter notre numéro de commande sur la facture et nous la renvoyer ?",
        ),
        (
            "request",
            "none",
            "À qui dois-je m'adresser pour mettre en place un prélèvement automatique ?",
        ),
        (
            "request",
            "none",
            "Merci de nous envoyer une copie du bon de livraison de {inv}, nos auditeurs le demandent.",
        ),
        ("request", "none", "Pouvez-vous m'indiquer le montant exact restant dû, frais compris ?"),
        (
            "autoreply",
            "none",
            "Je suis en congé jusqu'au {fdate} sans accès à ma messagerie. Votre message sera lu à mon retour.",
        ),
        (
            "autoreply",
            "none",
            "Merci pour votre message. Cette boîte n'est pas consultée pendant les fêtes.",
        ),
        (
            "autoreply",
            "none",
            "Réponse automatique : je suis en déplacement cette semaine et vous répondrai dès que possible.",
        ),
        (
            "autoreply",
            "none",
            "Absent jusqu'à lundi. Pour les factures, écrivez à compta@{domain}.",
        ),
        (
            "autoreply",
            "none",
            "Votre e-mail a bien été reçu et un ticket a été créé. Nous vous répondrons sous 3 jours ouvrés.",
        ),
        (
            "autoreply",
            "none",
            "Je suis actuellement en congé maternité. Merci de contacter ma collègue {first2}.",
        ),
        ("other", "none", "Merci pour le déjeuner de la semaine dernière, à refaire en janvier !"),
        ("other", "none", "Au fait, avez-vous un nouveau catalogue pour l'année prochaine ?"),
        ("other", "none", "Joyeuses fêtes à toute l'équipe de notre part !"),
        ("other", "none", "Nous déménageons le 15 ; nos numéros de téléphone restent les mêmes."),
        ("other", "none", "Merci de me retirer de votre liste de diffusion."),
        (
            "other",
            "none",
            "Le stand du salon est-il toujours disponible pour notre démonstration commune ?",
        ),
        ("other", "none", "Bien noté, merci. Je transmets à la personne concernée."),
        ("other", "none", "Félicitations pour le nouveau site, il est très réussi."),
    ],
    "de": [
        (
            "promise",
            "none",
            "Die Überweisung über {amt} wird am {fdate} ausgeführt, unsere Geschäftsführung hat sie freigegeben.",
        ),
        ("promise", "none", "Wir begleichen die Rechnung {inv} spätestens bis zum {fdate}."),
        (
            "promise",
            "none",
            "Entschuldigung für die Verzögerung, die Zahlung geht mit unserem nächsten Zahllauf am Freitag raus.",
        ),
        (
            "promise",
            "none",
            "Ich sage Ihnen zu, die Hälfte am {fdate} zu zahlen und den Rest Ende des Monats.",
        ),
        (
            "promise",
            "none",
            "Die Rechnung {inv} ist freigegeben, Sie erhalten das Geld nächste Woche.",
        ),
        (
            "promise",
            "none",
            "Das Geld sollte am {fdate} bei Ihnen sein, ich schicke Ihnen dann den Beleg.",
        ),
        (
            "promise",
            "none",
            "Sobald unser Kunde am Montag zahlt, überweisen wir Ihnen {inv} am selben Tag.",
        ),
        ("promise", "none", "Die Zahlung ist für den {fdate} eingeplant."),
        ("paid", "none", "Diese Rechnung wurde am {pdate} überwiesen, Verwendungszweck {inv}."),
        (
            "paid",
            "none",
            "Unsere Bank bestätigt, dass die Überweisung über {amt} am {pdate} rausging.",
        ),
        (
            "paid",
            "none",
            "Ich habe gestern per Karte über Ihr Zahlungsportal bezahlt, der Beleg ist im Anhang.",
        ),
        (
            "paid",
            "none",
            "Wir haben das Geld letzten Donnerstag überwiesen, vielleicht ist es noch nicht zugeordnet.",
        ),
        ("paid", "none", "Die Zahlung erfolgte am {pdate}. Anbei der Zahlungsavis."),
        ("paid", "none", "Der Scheck für {inv} wurde Ihnen am {pdate} zugeschickt."),
        ("paid", "none", "Schon erledigt: die Überweisung ist heute Morgen rausgegangen."),
        (
            "paid",
            "none",
            "Wir haben alle offenen Posten am {pdate} mit einer Zahlung von {amt} ausgeglichen.",
        ),
        (
            "dispute",
            "pricing",
            "Der Stückpreis auf {inv} liegt über dem angenommenen Angebot, daher halten wir die Zahlung zurück.",
        ),
        (
            "dispute",
            "goods_damaged",
            "Die Hälfte der Lieferung kam beschädigt an, Fotos anbei. Für kaputte Ware zahlen wir nicht.",
        ),
        (
            "dispute",
            "goods_not_received",
            "Diese Artikel haben wir nie bekommen; unser Lager hat keinen Wareneingang zu {inv}.",
        ),
        (
            "dispute",
            "service_quality",
            "Die Montage wurde nicht fertiggestellt und Ihr Techniker kam nie wieder. Wir widersprechen {inv}.",
        ),
        (
            "dispute",
            "billing_error",
            "Sie berechnen 40 Stunden, laut Stundenzetteln waren es 25. Bitte korrigieren Sie {inv}.",
        ),
        (
            "dispute",
            "duplicate_invoice",
            "{inv} berechnet dieselbe Bestellung wie eine Rechnung, die wir letzten Monat bezahlt haben. Doppelt!",
        ),
        (
            "dispute",
            "financial_hardship",
            "Wir haben unseren Hauptauftrag verloren und können im Moment nichts zahlen. Ist eine Ratenzahlung möglich?",
        ),
        (
            "dispute",
            "billing_error",
            "Der Mehrwertsteuersatz auf {inv} ist falsch, wir zahlen erst nach einer korrigierten Rechnung.",
        ),
        ("request", "none", "Können Sie mir einen Kontoauszug mit allen offenen Posten schicken?"),
        (
            "request",
            "none",
            "Bitte senden Sie {inv} noch einmal als PDF, der Anhang lässt sich nicht öffnen.",
        ),
        (
            "request",
            "none",
            "Könnten Sie vor der Zahlung unsere Rechnungsadresse auf das neue Büro ändern?",
        ),
        (
            "request",
            "none",
            "Auf welches Konto sollen wir zahlen? Bitte schicken Sie uns Ihre Bankverbindung auf Briefpapier.",
        ),
        (
            "request",
            "none",
            "Würden Sie bitte unsere Kostenstelle 4410 auf der Rechnung ergänzen und sie erneut schicken?",
        ),
        (
            "request",
            "none",
            "An wen wende ich mich, um für künftige Rechnungen ein Lastschriftmandat einzurichten?",
        ),
        (
            "request",
            "none",
            "Bitte schicken Sie uns eine Kopie des Lieferscheins zu {inv}, unsere Prüfer verlangen ihn.",
        ),
        (
            "request",
            "none",
            "Können Sie mir den genauen noch offenen Betrag inklusive Gebühren nennen?",
        ),
        (
            "autoreply",
            "none",
            "Ich bin bis zum {fdate} im Urlaub und lese keine E-Mails. Ihre Nachricht wird nach meiner Rückkehr bearbeitet.",
        ),
        (
            "autoreply",
            "none",
            "Vielen Dank für Ihre Nachricht. Dieses Postfach wird über die Feiertage nicht gelesen.",
        ),
        (
            "autoreply",
            "none",
            "Automatische Antwort: Ich bin diese Woche auf Dienstreise und melde mich so bald wie möglich.",
        ),
        (
            "autoreply",
            "none",
            "Bis Montag nicht im Büro. Für Rechnungen schreiben Sie bitte an kreditoren@{domain}.",
        ),
        (
            "autoreply",
            "none",
            "Ihre E-Mail ist eingegangen, ein Ticket wurde angelegt. Wir antworten innerhalb von 3 Werktagen.",
        ),
        (
            "autoreply",
            "none",
            "Ich bin zurzeit in Elternzeit. Bitte wenden Sie sich an meine Kollegin {first2}.",
        ),
        ("other", "none", "Danke für das nette Mittagessen letzte Woche, gerne im Januar wieder!"),
        ("other", "none", "Haben Sie eigentlich schon einen neuen Katalog für nächstes Jahr?"),
        ("other", "none", "Frohe Weihnachten an das ganze Team von uns allen!"),
        ("other", "none", "Wir ziehen am 15. um; unsere Telefonnummern bleiben gleich."),
        ("other", "none", "Bitte nehmen Sie mich aus Ihrem Newsletter-Verteiler."),
        ("other", "none", "Ist der Messestand für unsere gemeinsame Vorführung noch frei?"),
        (
            "other",
            "none",
            "Zur Kenntnis genommen, danke. Ich leite das an die zuständige Person weiter.",
        ),
        ("other", "none", "Glückwunsch zur neuen Website, sie sieht toll aus."),
    ],
}


def format_date(rng: random.Random, day: date, lang: str) -> str:
    month = MONTHS[lang][day.month - 1]
    styles = {
        "en": [f"{month} {day.day}", f"{day.day} {month}", f"{day:%d/%m/%Y}", f"{day.isoformat()}"],
        "fr": [
            f"{day.day} {month}",
            f"{day:%d/%m/%Y}",
            f"{day:%d/%m}",
            f"{day.day} {month} {day.year}",
        ],
        "de": [
            f"{day.day}. {month}",
            f"{day:%d.%m.%Y}",
            f"{day:%d.%m.}",
            f"{day.day}. {month} {day.year}",
        ],
    }
    return rng.choice(styles[lang])


def format_amount(rng: random.Random, lang: str) -> str:
    value = rng.randint(300, 48000) + rng.choice([0, 0.5, 0.25, 0.9])
    if lang == "en":
        return rng.choice([f"${value:,.2f}", f"EUR {value:,.2f}", f"{value:,.0f} euros"])
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    if lang == "de":
        text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return rng.choice([f"{text} €", f"{text} EUR"])


def render(rng: random.Random, lang: str, sentence: str) -> tuple[str, date]:
    name = rng.choice(NAMES)
    first = name.split()[0]
    promised = AS_OF + timedelta(days=rng.randint(3, 40))
    slots = {
        "inv": f"INV/2026/{rng.randint(100, 2999):05d}",
        "amt": format_amount(rng, lang),
        "fdate": format_date(rng, promised, lang),
        "pdate": format_date(rng, AS_OF - timedelta(days=rng.randint(2, 20)), lang),
        "first2": rng.choice(NAMES).split()[0],
        "domain": rng.choice(["nordwind.example", "atelier-sud.example", "brightline.example"]),
    }
    parts = [rng.choice(GREETINGS[lang]).format(first=first), sentence.format(**slots)]
    parts.append(rng.choice(CLOSINGS[lang]).format(name=name, first=first))
    return "\n\n".join(p for p in parts if p), promised


def generate(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for lang, sentences in SENTENCES.items():
        for label, category, sentence in sentences:
            for _ in range(RENDERINGS):
                text, promised = render(rng, lang, sentence)
                dated = label == "promise" and "{fdate}" in sentence
                rows.append(
                    {
                        "text": text,
                        "language": lang,
                        "label": label,
                        "category": category,
                        "promise_date": promised.isoformat() if dated else "",
                        "as_of": AS_OF.isoformat(),
                    }
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = generate()
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
