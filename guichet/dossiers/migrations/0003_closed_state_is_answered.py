from django.db import migrations, models

# One name per concept: the state shown as "Answered" was stored as "closed".
RENAMED = {"closed": "answered"}


def rename_states(apps, schema_editor, renamed=RENAMED):
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    DossierDocument = apps.get_model("dossiers", "DossierDocument")
    for old, new in renamed.items():
        Dossier.objects.filter(state=old).update(state=new)
        DossierEvent.objects.filter(from_state=old).update(from_state=new)
        DossierEvent.objects.filter(to_state=old).update(to_state=new)
        DossierDocument.objects.filter(during_state=old).update(during_state=new)


def restore_states(apps, schema_editor):
    rename_states(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0002_dossier_overdue_noted_on'),
    ]

    operations = [
        migrations.AlterField(
            model_name='dossier',
            name='state',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('awaiting_payment', 'Awaiting payment'), ('paid', 'Paid'), ('in_review', 'In review'), ('info_requested', 'Information requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('answered', 'Answered'), ('issued', 'Issued'), ('revoked', 'Revoked'), ('expired', 'Expired'), ('withdrawn', 'Withdrawn')], db_index=True, default='draft', max_length=20),
        ),
        migrations.AlterField(
            model_name='dossierdocument',
            name='during_state',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('awaiting_payment', 'Awaiting payment'), ('paid', 'Paid'), ('in_review', 'In review'), ('info_requested', 'Information requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('answered', 'Answered'), ('issued', 'Issued'), ('revoked', 'Revoked'), ('expired', 'Expired'), ('withdrawn', 'Withdrawn')], max_length=20),
        ),
        migrations.AlterField(
            model_name='dossierevent',
            name='from_state',
            field=models.CharField(blank=True, choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('awaiting_payment', 'Awaiting payment'), ('paid', 'Paid'), ('in_review', 'In review'), ('info_requested', 'Information requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('answered', 'Answered'), ('issued', 'Issued'), ('revoked', 'Revoked'), ('expired', 'Expired'), ('withdrawn', 'Withdrawn')], max_length=20),
        ),
        migrations.AlterField(
            model_name='dossierevent',
            name='to_state',
            field=models.CharField(blank=True, choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('awaiting_payment', 'Awaiting payment'), ('paid', 'Paid'), ('in_review', 'In review'), ('info_requested', 'Information requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('answered', 'Answered'), ('issued', 'Issued'), ('revoked', 'Revoked'), ('expired', 'Expired'), ('withdrawn', 'Withdrawn')], max_length=20),
        ),
        migrations.RunPython(rename_states, restore_states),
    ]
