"""Reference data every installation starts with: role profiles of the three families, the
département's MOE 1 : MOA 1 : AMOA 0.5 ratio template and the usual non-project activities.
All of it is editable afterwards; the names are French data of a French public body."""

from decimal import Decimal

from django.db import migrations

PROFILES = (
    ("MOA-CP", "Chef·fe de projet MOA", "moa", 10),
    ("MOA-REF", "Référent·e métier", "moa", 20),
    ("MOA-KEY", "Utilisateur·rice clé", "moa", 30),
    ("MOE-CP", "Chef·fe de projet MOE", "moe", 10),
    ("MOE-ARCHI", "Architecte", "moe", 20),
    ("MOE-DEV", "Développeur·se", "moe", 30),
    ("MOE-INT", "Intégrateur·rice / exploitation", "moe", 40),
    ("MOE-DATA", "Expert·e données", "moe", 50),
    ("AMOA-CONS", "Consultant·e AMOA", "amoa", 10),
    ("AMOA-ANA", "Analyste métier", "amoa", 20),
    ("AMOA-CHG", "Conduite du changement", "amoa", 30),
)
ACTIVITIES = (
    ("RUN", "Maintien en condition opérationnelle (run)"),
    ("SUPPORT", "Support aux utilisateurs"),
    ("FORMATION", "Formation suivie"),
    ("REUNIONS", "Réunions transverses"),
    ("ABSENCE", "Absence"),
)
TEMPLATE = "Feuille de route — MOE 1 : MOA 1 : AMOA 0,5"


def forwards(apps, schema_editor):
    Profile = apps.get_model("resources", "Profile")
    NonProjectActivity = apps.get_model("resources", "NonProjectActivity")
    RatioTemplate = apps.get_model("resources", "RatioTemplate")
    RatioTemplateLine = apps.get_model("resources", "RatioTemplateLine")
    for code, name, family, order in PROFILES:
        Profile.objects.get_or_create(code=code, defaults={"name": name, "family": family, "order": order})
    for code, name in ACTIVITIES:
        NonProjectActivity.objects.get_or_create(code=code, defaults={"name": name})
    template, created = RatioTemplate.objects.get_or_create(
        name=TEMPLATE,
        defaults={
            "base_family": "moe",
            "is_default": True,
            "notes": "Pour 1 jour de MOE, 1 jour de MOA et 0,5 jour d'AMOA.",
        },
    )
    if created:
        for family, ratio in (("moe", "1"), ("moa", "1"), ("amoa", "0.5")):
            RatioTemplateLine.objects.create(template=template, family=family, ratio=Decimal(ratio))


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_resources_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
