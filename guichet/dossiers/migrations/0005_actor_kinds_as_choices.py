from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0004_dossier_applicant_news_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='dossierdocument',
            name='uploaded_by_kind',
            field=models.CharField(choices=[('citizen', 'citizen'), ('guest', 'guest'), ('anonymous', 'anonymous'), ('receipt_holder', 'receipt_holder'), ('staff', 'staff'), ('system', 'system')], max_length=20),
        ),
        migrations.AlterField(
            model_name='dossierevent',
            name='actor_kind',
            field=models.CharField(choices=[('citizen', 'citizen'), ('guest', 'guest'), ('anonymous', 'anonymous'), ('receipt_holder', 'receipt_holder'), ('staff', 'staff'), ('system', 'system')], max_length=20),
        ),
    ]
