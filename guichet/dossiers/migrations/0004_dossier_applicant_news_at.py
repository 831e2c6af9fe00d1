from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0003_closed_state_is_answered'),
    ]

    operations = [
        migrations.AddField(
            model_name='dossier',
            name='applicant_news_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
    ]
